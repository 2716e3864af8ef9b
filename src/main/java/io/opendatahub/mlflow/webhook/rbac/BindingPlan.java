package io.opendatahub.mlflow.webhook.rbac;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.opendatahub.mlflow.webhook.policy.Policy;
import io.opendatahub.mlflow.webhook.policy.RoleBindingPolicy;
import io.opendatahub.mlflow.webhook.policy.ServiceAccountBindingPolicy;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The binding a ServiceAccount should have, decided from policy alone: which accounts qualify,
 * and the exact RoleBinding (name, role, single subject, labels, owner) the reconciler keeps.
 */
public final class BindingPlan {

  /** Label naming the ServiceAccount a managed binding belongs to. */
  public static final String SERVICE_ACCOUNT_LABEL = "mlflow-policy-webhook.opendatahub.io/service-account";

  private BindingPlan() {}

  /** A ServiceAccount as the plan needs it; {@code uid} is empty before it is stored. */
  public record ServiceAccountFacts(String namespace, String name, String uid,
      Map<String, String> annotations) {}

  /**
   * Whether the account qualifies. {@code namespaceLabels} is empty when the namespace is not
   * known (yet): then only a namespace the policy names can be in scope, never one a selector
   * would have to match.
   */
  public static boolean qualifies(ServiceAccountFacts account,
      Optional<Map<String, String>> namespaceLabels, ServiceAccountBindingPolicy policy) {
    if (!policy.enabled()) {
      return false;
    }
    ServiceAccountBindingPolicy.Selection select = policy.select();
    boolean inScope = select.namespaces().contains(account.namespace())
        || (select.namespaceSelector() != null && namespaceLabels.isPresent()
            && select.namespaceSelector().matches(namespaceLabels.get()));
    if (!inScope) {
      return false;
    }
    if (select.annotation() != null && !select.annotation().isBlank()) {
      String[] wanted = select.annotation().split("=", 2);
      String value = account.annotations().get(wanted[0]);
      if (value != null && (wanted.length == 1 || wanted[1].equals(value))) {
        return true;
      }
    }
    return select.names().stream().anyMatch(glob -> glob(glob).matcher(account.name()).matches());
  }

  /** The binding to keep for a qualifying, stored ServiceAccount. */
  public static Optional<RoleBinding> desired(ServiceAccountFacts account,
      Optional<Map<String, String>> namespaceLabels, Policy policy) {
    ServiceAccountBindingPolicy binding = policy.serviceAccountBinding();
    if (account.uid().isEmpty() || !qualifies(account, namespaceLabels, binding)) {
      return Optional.empty();
    }
    RoleBindingPolicy roles = policy.roleBindings();
    return Optional.of(new RoleBindingBuilder()
        .withNewMetadata()
        .withName(binding.bindingNameFor(account.name()))
        .withNamespace(account.namespace())
        .addToLabels(RoleBindingPolicy.MANAGED_BY_LABEL, roles.managedBy())
        .addToLabels(SERVICE_ACCOUNT_LABEL, account.name())
        // Garbage collection removes the binding with its ServiceAccount.
        .addNewOwnerReference().withApiVersion("v1").withKind("ServiceAccount")
        .withName(account.name()).withUid(account.uid()).endOwnerReference()
        .endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName(binding.clusterRole()).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(account.name())
        .withNamespace(account.namespace()).endSubject()
        .build());
  }

  private static Pattern glob(String glob) {
    StringBuilder regex = new StringBuilder();
    for (String part : glob.split("\\*", -1)) {
      if (!regex.isEmpty()) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.compile(regex.toString());
  }
}
