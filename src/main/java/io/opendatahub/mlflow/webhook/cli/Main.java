package io.opendatahub.mlflow.webhook.cli;

import io.opendatahub.mlflow.webhook.server.TlsPolicy;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Entry point: {@code serve} runs the service, {@code check} tests manifests against a policy,
 * {@code audit} judges what a cluster already holds.
 */
public final class Main {

  static final int USAGE = 2;

  private Main() {}

  public static void main(String[] args) {
    // Before anything can load the JDK's TLS classes, which read the switch once.
    TlsPolicy.rejectClientRenegotiation();
    fastInMemoryKeyStores();
    int code = run(List.of(args), System.getenv(), System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Vert.x hands the PEM key to the TLS stack through an in-memory PKCS#12 key store, which the
   * JDK protects with 10,000 PBKDF2 rounds per entry and per MAC: about half a second of
   * start-up and of every certificate rotation. The store never leaves memory, so the rounds
   * protect nothing; an explicit setting (a -D flag) still wins.
   */
  static void fastInMemoryKeyStores() {
    for (String property : List.of("keystore.pkcs12.keyPbeIterationCount",
        "keystore.pkcs12.macIterationCount", "keystore.pkcs12.certPbeIterationCount")) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, "1");
      }
    }
  }

  static int run(List<String> args, Map<String, String> env, PrintStream err) {
    return run(args, env, System.out, err);
  }

  /** Usage asked for goes to {@code out} with exit 0; usage after a mistake goes to {@code err}. */
  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.isEmpty() || isHelp(args.get(0))) {
      usage(args.isEmpty() ? err : out);
      return args.isEmpty() ? USAGE : 0;
    }
    String command = args.get(0);
    List<String> rest = args.subList(1, args.size());
    if (rest.stream().anyMatch(Main::isHelp)
        && (command.equals("serve") || command.equals("check") || command.equals("audit"))) {
      switch (command) {
        case "serve" -> serveUsage(out);
        case "check" -> checkUsage(out);
        default -> auditUsage(out);
      }
      return 0;
    }
    if (command.equals("serve")) {
      try {
        return new ServeCommand().run(ServeConfig.parse(rest, env), env);
      } catch (ConfigException e) {
        err.println("mlflow-policy-webhook: " + e.getMessage());
        return USAGE;
      }
    }
    if (command.equals("check")) {
      return new CheckCommand().run(rest, out, err);
    }
    if (command.equals("audit")) {
      return new AuditCommand().run(rest, env, Path.of(System.getProperty("user.home", "/")),
          out, err);
    }
    err.println("mlflow-policy-webhook: unknown command '" + command + "'");
    usage(err);
    return USAGE;
  }

  private static boolean isHelp(String arg) {
    return arg.equals("--help") || arg.equals("-h");
  }

  private static void usage(PrintStream out) {
    serveUsage(out);
    out.println();
    checkUsage(out);
    out.println();
    auditUsage(out);
  }

  private static void serveUsage(PrintStream out) {
    out.println("usage: java -jar mlflow-policy-webhook.jar serve [options]");
    out.println();
    out.println("serve runs the webhook. Options (each also read from its environment variable):");
    for (ServeConfig.Setting setting : ServeConfig.settings()) {
      out.printf("  %-18s %-24s %s (default %s)%n", setting.flag(), setting.env(),
          setting.meaning(), setting.defaultValue());
    }
  }

  private static void checkUsage(PrintStream out) {
    out.println("usage: java -jar mlflow-policy-webhook.jar check [--policy PATH]"
        + " [--namespace NAME[=key=value,...]]... [--output text|json] FILE.yaml...");
    out.println();
    out.println("check evaluates manifests offline as the webhook would admit them; exit 0 when all"
        + " are admitted, 1 when any is denied, 2 on bad input.");
    out.println("  --policy PATH       policy file or directory (default: policies)");
    out.println("  --namespace NAME=k=v,...  a namespace and its labels, standing for the cluster"
        + " (repeatable); once given, only these and the deployment namespace are known");
    out.println("  --output text|json  report format (default: text)");
  }

  private static void auditUsage(PrintStream out) {
    out.println("usage: java -jar mlflow-policy-webhook.jar audit [--policy PATH]"
        + " [--output text|json]");
    out.println();
    out.println("audit reads the MLflow CRs, RoleBindings and namespaces of the cluster that"
        + " KUBECONFIG (or ~/.kube/config) names and judges each as the webhook would a CREATE"
        + " of it; exit 0 when none fails, 1 when any would be denied, 2 on bad input or when"
        + " the cluster cannot be read.");
    out.println("  --policy PATH       policy file or directory (default: policies)");
    out.println("  --output text|json  report format (default: text)");
  }
}
