package io.opendatahub.mlflow.webhook.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * The {@code spec.authorization} section: how {@code /authorize} answers the MLflow tracking
 * server. Platform policy comes first (disabled features), Kubernetes RBAC second.
 */
public record AuthorizationPolicy(
    @JsonProperty("disabled") List<DisabledResources> disabled,
    @JsonProperty("cache") Cache cache,
    @JsonProperty("upstream") Upstream upstream,
    @JsonProperty("trustedCallers") TrustedCallers trustedCallers,
    @JsonProperty("local") Local local,
    @JsonProperty("authority") Authority authority,
    @JsonProperty("workspaces") Workspaces workspaces) {

  /** The API group of MLflow's pseudo-resources; the endpoint answers for no other. */
  public static final String MLFLOW_GROUP = "mlflow.kubeflow.org";

  public AuthorizationPolicy {
    disabled = disabled == null ? List.of() : List.copyOf(disabled);
    cache = cache == null ? new Cache(null, null, null, null) : cache;
    upstream = upstream == null ? new Upstream(null, null) : upstream;
    trustedCallers = trustedCallers == null ? new TrustedCallers(null, null) : trustedCallers;
    authority = authority == null ? Authority.KUBERNETES : authority;
    workspaces = workspaces == null ? Workspaces.ENABLED : workspaces;
  }

  public static final AuthorizationPolicy DEFAULTS =
      new AuthorizationPolicy(null, null, null, null, null, null, null);

  /**
   * Who answers RBAC questions on a cluster. {@code kubernetes} delegates each cache miss to the
   * API server (SubjectAccessReview): exact for the whole authorizer chain, OpenShift's included,
   * at a network round trip per miss. {@code local} evaluates RBAC in-process from informer
   * caches of the four RBAC kinds: no call per decision, but blind to any authorizer other than
   * RBAC, and its reasons say so. Without a cluster the {@link Local} files are the authority.
   */
  public enum Authority {
    KUBERNETES,
    LOCAL;

    @JsonValue
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Authority parse(String text) {
      for (Authority authority : values()) {
        if (authority.wireName().equals(text)) {
          return authority;
        }
      }
      throw new IllegalArgumentException("'" + text + "' is not an authority; use kubernetes or"
          + " local");
    }
  }

  /**
   * Whether the tracking server maps MLflow workspaces to namespaces, as its plugin's
   * {@code MLFLOW_K8S_AUTH_WORKSPACES_ENABLED} (default true) says. When it does not, every
   * request acts in the one {@code namespace} ({@code MLFLOW_K8S_AUTH_NAMESPACE}) whatever
   * workspace it names, and the workspace routes are denied (mlflow-kubernetes-plugins
   * {@code auth/core.py}, {@code auth/middleware.py}).
   */
  public record Workspaces(
      @JsonProperty("enabled") Boolean enabled,
      @JsonProperty("namespace") String namespace) {

    public static final Workspaces ENABLED = new Workspaces(true, null);
    private static final java.util.regex.Pattern LABEL =
        java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public Workspaces {
      enabled = enabled == null || enabled;
      if (!enabled && (namespace == null || !LABEL.matcher(namespace).matches())) {
        throw new IllegalArgumentException("with enabled: false, namespace must name the one"
            + " namespace the tracking server acts in (its MLFLOW_K8S_AUTH_NAMESPACE), a DNS-1123"
            + " label");
      }
      if (enabled && namespace != null) {
        throw new IllegalArgumentException("namespace applies only with enabled: false; with"
            + " workspaces enabled each request names its namespace");
      }
    }
  }

  /**
   * The local authority, for running without a cluster: RBAC objects from Kubernetes manifests
   * and a static token file ({@code token,user,uid,"group1,group2"}, as the API server's token
   * auth file). Paths are relative to the policy file. Answers come from RBAC alone.
   */
  public record Local(
      @JsonProperty(value = "rbac", required = true) String rbac,
      @JsonProperty(value = "tokens", required = true) String tokens) {}

  /**
   * Resources switched off on this platform, whatever RBAC says. An entry {@code gatewayendpoints}
   * covers the resource and all its subresources; {@code gatewayendpoints/use} only that one.
   *
   * @param except namespaces where the resources stay on (null: off everywhere)
   */
  public record DisabledResources(
      @JsonProperty(value = "resources", required = true) List<String> resources,
      @JsonProperty(value = "reason", required = true) String reason,
      @JsonProperty("except") Except except) {

    /** Off everywhere. */
    public DisabledResources(List<String> resources, String reason) {
      this(resources, reason, null);
    }

    public DisabledResources {
      // RBAC matches resources in lower case; normalised once here, not per question.
      resources = resources == null ? List.of()
          : resources.stream().map(r -> r.toLowerCase(Locale.ROOT)).toList();
      if (resources.isEmpty()) {
        throw new IllegalArgumentException("list at least one resource");
      }
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException("give a reason: callers see it when they are denied");
      }
    }
  }

  /**
   * Where a disabled feature stays on: namespaces whose labels match the selector. Everywhere
   * else, and wherever the labels are not known (namespace not seen yet, cache not synced, no
   * namespace in the question), the feature is off: an unknown namespace is never read as one
   * that opted in.
   */
  public record Except(
      @JsonProperty(value = "namespaceSelector", required = true) LabelSelector namespaceSelector) {

    public Except {
      if (namespaceSelector == null) {
        throw new IllegalArgumentException("give a namespaceSelector: the namespaces where the"
            + " resources stay on");
      }
      if (namespaceSelector.matchLabels().isEmpty()
          && namespaceSelector.matchExpressions().isEmpty()) {
        // An empty selector matches every namespace: the entry would disable nothing.
        throw new IllegalArgumentException("an empty namespaceSelector matches every namespace,"
            + " so nothing would be disabled; select the namespaces where the resources stay on,"
            + " or remove the entry");
      }
    }

    /** Whether a namespace with these labels keeps the resources on. */
    public boolean keepsOn(java.util.Map<String, String> labels) {
      return namespaceSelector.matches(labels);
    }
  }

  /**
   * Decision cache: the API server's own authorization webhook cache keeps allows 5 min and
   * denials 30 s, so a new RoleBinding takes effect quickly while repeated allows stay cheap.
   */
  public record Cache(
      @JsonProperty("allowedTtl") @JsonDeserialize(using = DurationText.class) Duration allowedTtl,
      @JsonProperty("deniedTtl") @JsonDeserialize(using = DurationText.class) Duration deniedTtl,
      @JsonProperty("tokenTtl") @JsonDeserialize(using = DurationText.class) Duration tokenTtl,
      @JsonProperty("maxEntries") Long maxEntries) {

    public Cache {
      allowedTtl = allowedTtl == null ? Duration.ofSeconds(300) : allowedTtl;
      deniedTtl = deniedTtl == null ? Duration.ofSeconds(30) : deniedTtl;
      tokenTtl = tokenTtl == null ? Duration.ofSeconds(60) : tokenTtl;
      maxEntries = maxEntries == null ? 100_000L : maxEntries;
      if (maxEntries < 0) {
        throw new IllegalArgumentException("maxEntries must not be negative");
      }
    }
  }

  /** Calls to the API server: each attempt bounded, so an answer comes well inside 3 s. */
  public record Upstream(
      @JsonProperty("timeout") @JsonDeserialize(using = DurationText.class) Duration timeout,
      @JsonProperty("retries") Integer retries) {

    public Upstream {
      timeout = timeout == null ? Duration.ofSeconds(2) : timeout;
      retries = retries == null ? 1 : retries;
      if (retries < 0 || retries > 5) {
        throw new IllegalArgumentException("retries must be between 0 and 5");
      }
    }
  }

  /**
   * Who may ask about someone else ({@code SubjectAccessReview}): that form reveals other
   * people's permissions, so only these authenticated identities may use it.
   */
  public record TrustedCallers(
      @JsonProperty("users") List<String> users,
      @JsonProperty("groups") List<String> groups) {

    public TrustedCallers {
      users = users == null ? List.of() : List.copyOf(users);
      groups = groups == null ? List.of() : List.copyOf(groups);
    }

    public boolean trusts(String user, List<String> callerGroups) {
      return users.contains(user) || callerGroups.stream().anyMatch(groups::contains);
    }
  }
}
