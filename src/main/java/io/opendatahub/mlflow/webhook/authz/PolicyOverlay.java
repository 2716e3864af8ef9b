package io.opendatahub.mlflow.webhook.authz;

import io.opendatahub.mlflow.webhook.admission.NamespaceFacts;
import io.opendatahub.mlflow.webhook.policy.AuthorizationPolicy;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What platform policy decides before RBAC is asked: questions outside MLflow's API group get no
 * opinion, and resources the platform switched off are denied whatever RBAC says.
 *
 * <p>The question is read as the RBAC authorizer reads it, so no rewording reaches a disabled
 * feature through RBAC: {@code resource: "gatewayendpoints/use"} is the subresource {@code use}
 * (RBAC matches {@code resource/subresource} either way), case is ignored (a wildcard rule would
 * allow {@code GatewayEndpoints}), and a {@code *} resource or subresource covers every disabled
 * entry it could stand for (a wildcard rule would allow it, and its answer would speak for them).
 */
public final class PolicyOverlay {

  private static final String ANY = "*";

  /** Facts that know no namespace: every namespace-scoped exception stays closed. */
  public static final NamespaceFacts NO_NAMESPACES = new NamespaceFacts() {
    @Override
    public Optional<Map<String, String>> labels(String namespace) {
      return Optional.empty();
    }

    @Override
    public Collection<KnownNamespace> namespaces() {
      return List.of();
    }

    @Override
    public boolean synced() {
      return false;
    }
  };

  private PolicyOverlay() {}

  /**
   * The policy's answer, or empty when RBAC decides. {@code facts} give the labels that decide
   * whether a namespace-scoped exception ({@code disabled[].except}) applies; they are read from
   * memory only.
   */
  public static Optional<AccessDecision> decide(ResourceAttributes attributes,
      AuthorizationPolicy policy, NamespaceFacts facts) {
    if (attributes == null) {
      return Optional.of(new AccessDecision(false, false, "out of scope: this endpoint decides"
          + " only for resources of API group " + AuthorizationPolicy.MLFLOW_GROUP
          + ", not for non-resource URLs", null, AccessDecision.Source.POLICY));
    }
    if (!AuthorizationPolicy.MLFLOW_GROUP.equals(attributes.group())) {
      return Optional.of(new AccessDecision(false, false, "out of scope: this endpoint decides"
          + " only for API group " + AuthorizationPolicy.MLFLOW_GROUP + ", asked about group '"
          + attributes.group() + "'", null, AccessDecision.Source.POLICY));
    }
    Asked asked = Asked.of(attributes);
    for (AuthorizationPolicy.DisabledResources disabled : policy.disabled()) {
      for (String entry : disabled.resources()) {
        if (asked.reaches(entry)) {
          String closed = closedBecause(disabled.except(), attributes.namespace(), facts);
          if (closed == null) {
            break;
          }
          return Optional.of(new AccessDecision(false, true, disabled.reason() + " ("
              + attributes.fullResource() + " is disabled by platform policy" + closed + ")",
              null, AccessDecision.Source.POLICY));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Null when the entry's exception keeps the feature on in this namespace; otherwise what to
   * add to the reason. The strictest reading wherever the labels are not known for certain: a
   * question about all namespaces speaks for those without the exception too.
   */
  private static String closedBecause(AuthorizationPolicy.Except except, String namespace,
      NamespaceFacts facts) {
    if (except == null) {
      return "";
    }
    if (namespace.isEmpty()) {
      return " outside selected namespaces, and the question covers all namespaces";
    }
    Optional<Map<String, String>> labels = facts.labels(namespace);
    if (labels.isEmpty()) {
      return facts.synced()
          ? " outside selected namespaces, and namespace '" + namespace + "' is not known"
          : " outside selected namespaces, and the namespace cache has not synced yet";
    }
    return except.keepsOn(labels.get()) ? null
        : " outside selected namespaces; namespace '" + namespace + "' is not selected";
  }

  /** The question's resource and subresource, lower case, split as RBAC splits them. */
  private record Asked(String resource, String subresource) {

    static Asked of(ResourceAttributes attributes) {
      String resource = attributes.resource().toLowerCase(Locale.ROOT);
      String subresource = attributes.subresource().toLowerCase(Locale.ROOT);
      int slash = resource.indexOf('/');
      if (slash < 0) {
        return new Asked(resource, subresource);
      }
      String rest = resource.substring(slash + 1);
      return new Asked(resource.substring(0, slash),
          subresource.isEmpty() ? rest : rest + "/" + subresource);
    }

    /**
     * Whether an answer to this question could speak for the disabled {@code entry}, lower case
     * ({@code resource}: it and all its subresources; {@code resource/sub}: only that one).
     */
    boolean reaches(String entry) {
      int slash = entry.indexOf('/');
      int resourceEnd = slash < 0 ? entry.length() : slash;
      boolean anyResource = resource.equals(ANY);
      if (!anyResource && !(resource.length() == resourceEnd && entry.startsWith(resource))) {
        return false;
      }
      if (slash < 0 || anyResource) {
        return true;
      }
      return subresource.equals(ANY) || (entry.length() - slash - 1 == subresource.length()
          && entry.startsWith(subresource, slash + 1));
    }
  }
}
