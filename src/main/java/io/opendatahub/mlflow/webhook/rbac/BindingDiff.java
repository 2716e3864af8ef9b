package io.opendatahub.mlflow.webhook.rbac;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The writes that take one ServiceAccount's managed bindings from what they are to what the
 * plan wants: extra bindings go, a missing one is created, one whose {@code roleRef} drifted is
 * recreated ({@code roleRef} cannot change in place), one whose subjects, labels or owner were
 * edited is repaired. Decided from the two lists alone; the reconciler carries the writes out.
 */
public final class BindingDiff {

  private BindingDiff() {}

  /** One write, in the order the list gives. */
  public sealed interface Change permits Create, Update, Delete {
    RoleBinding binding();
  }

  public record Create(RoleBinding binding) implements Change {}

  /** {@code binding} is the stored one with the wanted subjects, labels and owner laid over it. */
  public record Update(RoleBinding binding) implements Change {}

  public record Delete(RoleBinding binding, Why why) implements Change {}

  /** Why a binding is deleted, as the reconcile metric labels it. */
  public enum Why {
    /** No longer wanted: the account does not qualify, or the binding has another name. */
    REMOVE,
    /** Its roleRef drifted; it is created again right after. */
    RECREATE;

    public String action() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * @param desired the binding the account should have; empty when it should have none
   * @param existing the account's managed bindings in its namespace, as the reconciler last left
   *     them
   */
  public static List<Change> between(Optional<RoleBinding> desired, List<RoleBinding> existing) {
    String wantedName = desired.map(b -> b.getMetadata().getName()).orElse(null);
    List<Change> changes = new ArrayList<>();
    RoleBinding current = null;
    for (RoleBinding binding : existing) {
      if (!binding.getMetadata().getName().equals(wantedName)) {
        changes.add(new Delete(binding, Why.REMOVE));
      } else if (current == null) {
        current = binding;
      }
    }
    if (desired.isEmpty()) {
      return List.copyOf(changes);
    }
    RoleBinding want = desired.get();
    if (current == null) {
      changes.add(new Create(want));
    } else if (!Objects.equals(current.getRoleRef(), want.getRoleRef())) {
      changes.add(new Delete(current, Why.RECREATE));
      changes.add(new Create(want));
    } else if (edited(current, want)) {
      changes.add(new Update(new RoleBindingBuilder(current)
          .editMetadata().addToLabels(labels(want))
          .withOwnerReferences(want.getMetadata().getOwnerReferences()).endMetadata()
          .withSubjects(want.getSubjects()).build()));
    }
    return List.copyOf(changes);
  }

  /** Labels others added are kept; ours must all be there, with our values. */
  private static boolean edited(RoleBinding current, RoleBinding want) {
    return !Objects.equals(current.getSubjects(), want.getSubjects())
        || !labels(current).entrySet().containsAll(labels(want).entrySet())
        || !Objects.equals(current.getMetadata().getOwnerReferences(),
            want.getMetadata().getOwnerReferences());
  }

  private static Map<String, String> labels(RoleBinding binding) {
    Map<String, String> labels = binding.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }
}
