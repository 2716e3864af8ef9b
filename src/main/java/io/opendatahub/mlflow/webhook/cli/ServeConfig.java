package io.opendatahub.mlflow.webhook.cli;

import io.opendatahub.mlflow.webhook.policy.DurationText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of {@code serve}, from flags first and then the matching environment variables.
 * Built and validated once at start-up; a wrong value stops the service with a one-line reason.
 */
record ServeConfig(
    String host,
    int port,
    Path tlsCert,
    Path tlsKey,
    Path policy,
    KubeMode kube,
    long maxBodyBytes,
    Duration shutdownGrace,
    Duration requestDeadline,
    Authorizer authorizer,
    Duration auditInterval) {

  /**
   * The API server's webhook authorizer's own port and how its caller is authenticated; null
   * when {@code --authorizer-port} is not set.
   */
  record Authorizer(int port, Path clientCa, Path tokenFile) {}

  /** {@code auto}: use a cluster when credentials are found; {@code none}: never. */
  enum KubeMode {
    AUTO,
    NONE
  }

  /**
   * The most the API server sends: it refuses request bodies over 3 MiB, and a review of an
   * UPDATE carries the new and the old object plus a small envelope; controller-runtime uses
   * the same 7 MiB. Memory does not depend on it: bodies in flight and decoded reviews have
   * their own bounds (WebhookServer's body budget, the admission decoder's reading limits).
   */
  static final long DEFAULT_MAX_BODY = 7L * 1024 * 1024;

  /**
   * Changes are judged as they happen; the period only catches what events missed, so a
   * shorter one would re-judge the whole cluster for nothing.
   */
  static final Duration MIN_AUDIT_INTERVAL = Duration.ofSeconds(10);

  private static final List<Setting> SETTINGS = List.of(
      new Setting("--host", "WEBHOOK_HOST", "0.0.0.0", "address to listen on"),
      new Setting("--port", "WEBHOOK_PORT", "8443", "HTTPS port"),
      new Setting("--tls-cert", "WEBHOOK_TLS_CERT", "certs/tls.crt", "PEM certificate chain"),
      new Setting("--tls-key", "WEBHOOK_TLS_KEY", "certs/tls.key", "PEM private key"),
      new Setting("--policy", "WEBHOOK_POLICY", "policies", "policy file or directory"),
      new Setting("--kube", "WEBHOOK_KUBE", "auto", "auto or none"),
      new Setting("--max-body-bytes", "WEBHOOK_MAX_BODY_BYTES", String.valueOf(DEFAULT_MAX_BODY),
          "largest accepted request body"),
      new Setting("--shutdown-grace", "WEBHOOK_SHUTDOWN_GRACE", "20s",
          "time requests in flight get on SIGTERM"),
      new Setting("--request-deadline", "WEBHOOK_REQUEST_DEADLINE", "10s",
          "time to receive a whole request (headers and body), then 408"),
      new Setting("--audit-interval", "WEBHOOK_AUDIT_INTERVAL", "10m",
          "with a cluster, how often the background audit judges every object again"),
      new Setting("--authorizer-port", "WEBHOOK_AUTHORIZER_PORT", "",
          "HTTPS port of the API server's webhook authorizer (unset: off)"),
      new Setting("--authorizer-client-ca", "WEBHOOK_AUTHORIZER_CLIENT_CA", "",
          "PEM CA that signs the API server's client certificate"),
      new Setting("--authorizer-token-file", "WEBHOOK_AUTHORIZER_TOKEN_FILE", "",
          "file holding the bearer token the API server presents"));

  record Setting(String flag, String env, String defaultValue, String meaning) {
    String names() {
      return flag + " / " + env;
    }
  }

  static List<Setting> settings() {
    return SETTINGS;
  }

  static ServeConfig parse(List<String> args, Map<String, String> env) throws ConfigException {
    Map<String, String> flags = flags(args);
    Map<String, String> values = new HashMap<>();
    for (Setting setting : SETTINGS) {
      String value = flags.getOrDefault(setting.flag(), env.get(setting.env()));
      values.put(setting.flag(), value == null || value.isBlank() ? setting.defaultValue() : value);
    }
    return new ServeConfig(
        values.get("--host"),
        port(values.get("--port")),
        Path.of(values.get("--tls-cert")),
        Path.of(values.get("--tls-key")),
        Path.of(values.get("--policy")),
        kube(values.get("--kube")),
        bodyLimit(values.get("--max-body-bytes")),
        grace(values.get("--shutdown-grace")),
        deadline(values.get("--request-deadline")),
        authorizer(values),
        auditInterval(values.get("--audit-interval")));
  }

  private static Authorizer authorizer(Map<String, String> values) throws ConfigException {
    String port = values.get("--authorizer-port");
    Path clientCa = optionalPath(values.get("--authorizer-client-ca"));
    Path tokenFile = optionalPath(values.get("--authorizer-token-file"));
    if (port.isBlank()) {
      if (clientCa != null || tokenFile != null) {
        throw new ConfigException("--authorizer-client-ca and --authorizer-token-file need"
            + " --authorizer-port / WEBHOOK_AUTHORIZER_PORT: the authorizer listens on a port"
            + " of its own");
      }
      return null;
    }
    if (clientCa == null && tokenFile == null) {
      throw new ConfigException("--authorizer-port / WEBHOOK_AUTHORIZER_PORT needs a way to"
          + " authenticate the API server: set --authorizer-client-ca or --authorizer-token-file");
    }
    int number;
    try {
      number = Integer.parseInt(port.trim());
    } catch (NumberFormatException e) {
      number = -1;
    }
    if (number < 0 || number > 65535) {
      throw new ConfigException("--authorizer-port / WEBHOOK_AUTHORIZER_PORT: '" + port
          + "' is not a port number (0-65535; 0 picks a free port)");
    }
    return new Authorizer(number, clientCa, tokenFile);
  }

  private static Path optionalPath(String value) {
    return value == null || value.isBlank() ? null : Path.of(value.trim());
  }

  private static Map<String, String> flags(List<String> args) throws ConfigException {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String value;
      int equals = arg.indexOf('=');
      if (equals > 0) {
        name = arg.substring(0, equals);
        value = arg.substring(equals + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        value = null;
      }
      String flag = name;
      Setting setting = SETTINGS.stream().filter(s -> s.flag().equals(flag)).findFirst()
          .orElseThrow(() -> new ConfigException("unknown option '" + flag + "'; serve accepts "
              + SETTINGS.stream().map(Setting::flag).toList()));
      if (value == null) {
        throw new ConfigException(setting.names() + ": a value is required");
      }
      flags.put(flag, value);
    }
    return flags;
  }

  private static int port(String value) throws ConfigException {
    try {
      int port = Integer.parseInt(value.trim());
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below with the setting's name
    }
    throw new ConfigException("--port / WEBHOOK_PORT: '" + value
        + "' is not a port number (0-65535; 0 picks a free port)");
  }

  private static KubeMode kube(String value) throws ConfigException {
    try {
      return KubeMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--kube / WEBHOOK_KUBE: '" + value + "' is not one of auto, none");
    }
  }

  private static long bodyLimit(String value) throws ConfigException {
    try {
      long limit = Long.parseLong(value.trim());
      if (limit >= 1024) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // reported below with the setting's name
    }
    throw new ConfigException("--max-body-bytes / WEBHOOK_MAX_BODY_BYTES: '" + value
        + "' is not a byte count of at least 1024");
  }

  private static Duration grace(String value) throws ConfigException {
    Duration grace = DurationText.parse(value);
    if (grace == null) {
      throw new ConfigException("--shutdown-grace / WEBHOOK_SHUTDOWN_GRACE: '" + value
          + "' is not a duration (write e.g. 20s)");
    }
    return grace;
  }

  private static Duration deadline(String value) throws ConfigException {
    Duration deadline = DurationText.parse(value);
    if (deadline == null || deadline.isZero() || deadline.isNegative()) {
      throw new ConfigException("--request-deadline / WEBHOOK_REQUEST_DEADLINE: '" + value
          + "' is not a positive duration (write e.g. 10s)");
    }
    return deadline;
  }

  private static Duration auditInterval(String value) throws ConfigException {
    Duration interval = DurationText.parse(value);
    if (interval == null || interval.compareTo(MIN_AUDIT_INTERVAL) < 0) {
      throw new ConfigException("--audit-interval / WEBHOOK_AUDIT_INTERVAL: '" + value
          + "' is not a duration of at least 10s (write e.g. 10m)");
    }
    return interval;
  }

  String describe() {
    return "host=" + host + " port=" + port + " tls-cert=" + tlsCert + " tls-key=" + tlsKey
        + " policy=" + policy + " kube=" + kube.name().toLowerCase(Locale.ROOT)
        + " max-body-bytes=" + maxBodyBytes + " shutdown-grace=" + shutdownGrace.toSeconds() + "s"
        + " request-deadline=" + requestDeadline.toMillis() + "ms"
        + " audit-interval=" + auditInterval.toSeconds() + "s"
        + (authorizer == null ? "" : " authorizer-port=" + authorizer.port()
            + " authorizer-client-ca=" + authorizer.clientCa()
            + " authorizer-token-file=" + authorizer.tokenFile());
  }
}
