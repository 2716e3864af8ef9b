package io.opendatahub.mlflow.webhook.policy;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a bound policy document means, checked: environments, rule names, schemes, quantities.
 * Problems are {@link FieldError}s naming the field; {@link PolicyLoader} adds file and line.
 */
final class PolicyValidator {

  private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9.-]*");

  private PolicyValidator() {}

  static Policy validate(Path file, PolicyDocument document, String hash,
      List<RouteRule> routes) throws FieldError {
    if (!PolicyLoader.API_VERSION.equals(document.apiVersion())) {
      throw new FieldError(List.of("apiVersion"),
          "expected " + PolicyLoader.API_VERSION + ", got " + document.apiVersion());
    }
    List<Environment> environments = document.spec().environments();
    if (environments == null || environments.isEmpty()) {
      throw new FieldError(List.of("spec", "environments"), "list at least one environment");
    }
    Set<String> names = new HashSet<>();
    int defaults = 0;
    for (int i = 0; i < environments.size(); i++) {
      Environment environment = environments.get(i);
      if (environment == null || environment.name() == null || environment.name().isBlank()) {
        throw new FieldError(List.of("spec", "environments", i, "name"), "must not be empty");
      }
      if (!names.add(environment.name())) {
        throw new FieldError(List.of("spec", "environments", i, "name"),
            "environment '" + environment.name() + "' is listed twice");
      }
      if (environment.isDefault()) {
        defaults++;
      }
    }
    if (defaults != 1) {
      throw new FieldError(List.of("spec", "environments"), "exactly one environment must have"
          + " default: true (found " + defaults + "); it takes namespaces no other claims");
    }
    MLflowPolicy mlflow = document.spec().mlflow() == null
        ? new MLflowPolicy(null, null, null, null) : document.spec().mlflow();
    for (var entry : mlflow.environments().entrySet()) {
      List<Object> field = List.of("spec", "mlflow", "environments", entry.getKey());
      if (!names.contains(entry.getKey())) {
        throw new FieldError(field,
            "no environment named '" + entry.getKey() + "' in spec.environments " + names);
      }
      MLflowEnvironmentRules rules = entry.getValue();
      if (rules != null) {
        validateRules(field, rules);
      }
    }
    validateQuantity(List.of("spec", "mlflow", "defaults", "storage", "size"),
        mlflow.defaults().storage().size());
    String name = document.metadata() == null || document.metadata().name() == null
        ? "unnamed" : document.metadata().name();
    AuthorizationPolicy authorization = document.spec().authorization() == null
        ? AuthorizationPolicy.DEFAULTS : document.spec().authorization();
    RoleBindingPolicy roleBindings = document.spec().roleBindings() == null
        ? RoleBindingPolicy.DEFAULTS : document.spec().roleBindings();
    ServiceAccountBindingPolicy binding = document.spec().serviceAccountBinding() == null
        ? ServiceAccountBindingPolicy.DISABLED : document.spec().serviceAccountBinding();
    validateBindingScope(binding);
    return new Policy(name, environments, mlflow, authorization, roleBindings, binding, routes,
        file.toString(), hash);
  }

  /**
   * Auto-binding grants the integration role to whoever can create or annotate a ServiceAccount
   * in scope: the scope must be written down, never "everywhere" by omission.
   */
  private static void validateBindingScope(ServiceAccountBindingPolicy binding)
      throws FieldError {
    if (!binding.enabled()) {
      return;
    }
    if (!binding.select().hasScope()) {
      throw new FieldError(List.of("spec", "serviceAccountBinding", "select", "namespaces"),
          "auto-binding needs a namespace scope: list select.namespaces or set"
              + " select.namespaceSelector (anyone who may create or annotate a ServiceAccount"
              + " in a namespace in scope can get " + binding.clusterRole() + " bound;"
              + " namespaceSelector: {} means every namespace)");
    }
    if (!binding.select().hasOptIn()) {
      throw new FieldError(List.of("spec", "serviceAccountBinding", "select", "annotation"),
          "auto-binding selects no ServiceAccount: set select.annotation (opt-in per account)"
              + " or select.names (name patterns)");
    }
  }

  private static void validateRules(List<Object> field, MLflowEnvironmentRules rules)
      throws FieldError {
    validateSchemes(append(field, "backendStore", "schemes"), rules.backendStore());
    validateSchemes(append(field, "artifacts", "schemes"), rules.artifacts());
    BigDecimal min = validateQuantity(append(field, "storage", "minSize"), rules.storage().minSize());
    BigDecimal max = validateQuantity(append(field, "storage", "maxSize"), rules.storage().maxSize());
    if (min != null && max != null && min.compareTo(max) > 0) {
      throw new FieldError(append(field, "storage", "minSize"), "minSize "
          + rules.storage().minSize() + " is larger than maxSize " + rules.storage().maxSize());
    }
    for (String rule : rules.rules().keySet()) {
      if (MLflowRule.byId(rule).isEmpty()) {
        throw new FieldError(append(field, "rules", rule), "no rule named '" + rule
            + "'; rules are " + Arrays.stream(MLflowRule.values()).map(MLflowRule::id).toList());
      }
    }
  }

  private static void validateSchemes(List<Object> field, StoreRules rules) throws FieldError {
    for (String scheme : rules.schemes()) {
      if (!SCHEME.matcher(scheme).matches()) {
        throw new FieldError(field, "'" + scheme
            + "' is not a URI scheme (write e.g. postgresql, mysql, sqlite, s3)");
      }
    }
  }

  private static BigDecimal validateQuantity(List<Object> field, String quantity)
      throws FieldError {
    if (quantity == null) {
      return null;
    }
    try {
      return Quantity.getAmountInBytes(new Quantity(quantity));
    } catch (RuntimeException e) {
      throw new FieldError(field, "'" + quantity + "' is not a Kubernetes quantity (write e.g."
          + " 10Gi)");
    }
  }

  private static List<Object> append(List<Object> path, Object... steps) {
    List<Object> result = new ArrayList<>(path);
    result.addAll(List.of(steps));
    return result;
  }

}
