package io.opendatahub.mlflow.webhook.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.opendatahub.mlflow.webhook.admission.AdmissionService;
import io.opendatahub.mlflow.webhook.admission.DecisionContext;
import io.opendatahub.mlflow.webhook.admission.StaticNamespaceFacts;
import io.opendatahub.mlflow.webhook.audit.Auditor;
import io.opendatahub.mlflow.webhook.kube.ClusterListing;
import io.opendatahub.mlflow.webhook.kube.KubeConnection;
import io.opendatahub.mlflow.webhook.kube.Kubeconfig;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.PolicyException;
import io.opendatahub.mlflow.webhook.policy.PolicyLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code audit}: reads the cluster the kubeconfig names once (MLflow CRs, RoleBindings,
 * namespaces) and judges what exists as the webhook would judge a CREATE of it, printing the
 * table {@code check} prints. Exit 0 when nothing fails, 1 when anything would be denied, 2 on
 * bad input or when the cluster cannot be read. Like {@code kyverno apply --cluster}.
 */
final class AuditCommand {

  /** Enough for a slow API server's lists; an absent one fails at once (connection refused). */
  private static final int REQUEST_TIMEOUT_MILLIS = 30_000;

  record Options(Path policy, boolean json) {}

  int run(List<String> args, Map<String, String> env, Path home, PrintStream out,
      PrintStream err) {
    try {
      Options options = parse(args);
      Policy policy = new PolicyLoader().load(options.policy());
      KubeConnection.Source source = KubeConnection.detect(env, home).orElseThrow(
          () -> new ConfigException("no cluster to audit: set KUBECONFIG, or create"
              + " ~/.kube/config, or run inside a pod"));
      ClusterListing.Listing listing;
      try (KubernetesClient client = client(source.config())) {
        listing = ClusterListing.read(client);
      }
      if (listing.mlflowCrdMissing()) {
        err.println("mlflow-policy-webhook audit: the cluster serves no MLflow CRs"
            + " (mlflow.opendatahub.io/v1 is not installed); auditing RoleBindings only");
      }
      CheckReport report = new CheckReport(policy, List.of(), judge(policy, listing));
      out.print(options.json() ? report.json() : report.text());
      return report.anyDenied() ? CheckCommand.DENIED : CheckCommand.ADMITTED;
    } catch (ConfigException | PolicyException | Kubeconfig.InvalidException
        | ClusterListing.UnreachableException e) {
      err.println("mlflow-policy-webhook audit: " + e.getMessage());
      return Main.USAGE;
    }
  }

  /** Every audited object of the listing, judged against the namespaces listed with it. */
  static List<CheckReport.Result> judge(Policy policy, ClusterListing.Listing listing) {
    DecisionContext context =
        new DecisionContext(policy, new StaticNamespaceFacts(listing.namespaces()));
    Auditor auditor = new Auditor(new AdmissionService(Handlers.all()));
    List<CheckReport.Result> results = new ArrayList<>();
    for (ObjectNode object : listing.objects()) {
      if (Auditor.audited(object, policy)) {
        Auditor.Evaluation evaluation = auditor.evaluate(object, context);
        results.add(new CheckReport.Result(null, results.size() + 1, evaluation.request(),
            evaluation.simulation()));
      }
    }
    return results;
  }

  private static KubernetesClient client(Config config) {
    config.setRequestTimeout(REQUEST_TIMEOUT_MILLIS);
    // One try: a person is waiting, and an unreachable cluster does not become reachable in
    // fabric8's default ten retries.
    config.setRequestRetryBackoffLimit(0);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static Options parse(List<String> args) throws ConfigException {
    Path policy = Path.of("policies");
    boolean json = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      switch (arg) {
        case "--policy" -> policy = Path.of(CheckCommand.value(args, ++i, arg));
        case "--output" -> json = CheckCommand.json(CheckCommand.value(args, ++i, arg));
        default -> throw new ConfigException("unknown argument '" + arg + "'; audit accepts"
            + " --policy PATH and --output text|json, and reads the cluster from KUBECONFIG"
            + " or ~/.kube/config");
      }
    }
    return new Options(policy, json);
  }

}
