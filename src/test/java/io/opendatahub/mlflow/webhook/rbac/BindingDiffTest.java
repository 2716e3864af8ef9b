package io.opendatahub.mlflow.webhook.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.opendatahub.mlflow.webhook.rbac.BindingDiff.Change;
import io.opendatahub.mlflow.webhook.rbac.BindingDiff.Create;
import io.opendatahub.mlflow.webhook.rbac.BindingDiff.Delete;
import io.opendatahub.mlflow.webhook.rbac.BindingDiff.Update;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The writes from a ServiceAccount's bindings as they are to the one the plan wants. */
class BindingDiffTest {

  private static final String NAME = "mlflow-integration-runner";
  private static final String MANAGED = "app.kubernetes.io/managed-by";

  /** The binding the plan wants for team-a/runner, edited by {@code edit}. */
  private static RoleBinding wanted(UnaryOperator<RoleBindingBuilder> edit) {
    return edit.apply(new RoleBindingBuilder()
        .withNewMetadata().withName(NAME).withNamespace("team-a")
        .addToLabels(MANAGED, "mlflow-policy-webhook")
        .addToLabels(BindingPlan.SERVICE_ACCOUNT_LABEL, "runner")
        .addNewOwnerReference().withApiVersion("v1").withKind("ServiceAccount")
        .withName("runner").withUid("uid-1").endOwnerReference()
        .endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName("mlflow-integration").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("runner").withNamespace("team-a")
        .endSubject()).build();
  }

  private static RoleBinding wanted() {
    return wanted(b -> b);
  }

  /** A stored binding as the API server returns it: the wanted one plus server fields. */
  private static RoleBinding stored(UnaryOperator<RoleBindingBuilder> edit) {
    return wanted(b -> edit.apply(b.editMetadata().withResourceVersion("7").withUid("rb-1")
        .endMetadata()));
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // case, desired, existing, the writes in order
        Arguments.of("missing", Optional.of(wanted()), List.of(), List.of("create " + NAME)),
        Arguments.of("as wanted", Optional.of(wanted()), List.of(stored(b -> b)), List.of()),
        Arguments.of("roleRef drifted", Optional.of(wanted()),
            List.of(stored(b -> b.editRoleRef().withName("admin").endRoleRef())),
            List.of("delete:recreate " + NAME, "create " + NAME)),
        Arguments.of("subject added", Optional.of(wanted()),
            List.of(stored(b -> b.addNewSubject().withKind("Group").withName("everyone")
                .endSubject())),
            List.of("update " + NAME)),
        Arguments.of("our label removed", Optional.of(wanted()),
            List.of(stored(b -> b.editMetadata().removeFromLabels(MANAGED).endMetadata())),
            List.of("update " + NAME)),
        Arguments.of("our label changed", Optional.of(wanted()),
            List.of(stored(b -> b.editMetadata().addToLabels(MANAGED, "someone").endMetadata())),
            List.of("update " + NAME)),
        Arguments.of("someone else's label added", Optional.of(wanted()),
            List.of(stored(b -> b.editMetadata().addToLabels("team", "a").endMetadata())),
            List.of()),
        Arguments.of("owner replaced", Optional.of(wanted()),
            List.of(stored(b -> b.editMetadata().editFirstOwnerReference().withUid("uid-0")
                .endOwnerReference().endMetadata())),
            List.of("update " + NAME)),
        Arguments.of("no longer qualifies", Optional.empty(), List.of(stored(b -> b)),
            List.of("delete:remove " + NAME)),
        Arguments.of("nothing wanted, nothing there", Optional.empty(), List.of(), List.of()),
        Arguments.of("binding name changed", Optional.of(wanted()),
            List.of(stored(b -> b.editMetadata().withName("mlflow-old-runner").endMetadata())),
            List.of("delete:remove mlflow-old-runner", "create " + NAME)),
        Arguments.of("stale extra next to the wanted one", Optional.of(wanted()),
            List.of(stored(b -> b.editMetadata().withName("mlflow-old-runner").endMetadata()),
                stored(b -> b)),
            List.of("delete:remove mlflow-old-runner")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void writesTakeTheBindingsToThePlan(String name, Optional<RoleBinding> desired,
      List<RoleBinding> existing, List<String> writes) {
    assertThat(BindingDiff.between(desired, existing)).map(BindingDiffTest::describe)
        .containsExactlyElementsOf(writes);
  }

  @Test
  void aRepairKeepsTheStoredObjectAndOthersLabelsAndRestoresOurs() {
    RoleBinding edited = stored(b -> b
        .editMetadata().addToLabels("team", "a").removeFromLabels(MANAGED).endMetadata()
        .addNewSubject().withKind("Group").withName("everyone").endSubject());

    List<Change> changes = BindingDiff.between(Optional.of(wanted()), List.of(edited));

    assertThat(changes).singleElement().isInstanceOf(Update.class);
    RoleBinding repaired = changes.get(0).binding();
    assertThat(repaired.getMetadata().getResourceVersion())
        .as("the update is conditional on what was read").isEqualTo("7");
    assertThat(repaired.getSubjects()).isEqualTo(wanted().getSubjects());
    assertThat(repaired.getMetadata().getLabels()).containsEntry("team", "a")
        .containsEntry(MANAGED, "mlflow-policy-webhook");
  }

  @Test
  void aCreateWritesExactlyThePlannedBinding() {
    RoleBinding want = wanted();

    assertThat(BindingDiff.between(Optional.of(want), List.of()))
        .singleElement().isEqualTo(new Create(want));
  }

  private static String describe(Change change) {
    String verb = change instanceof Delete delete ? "delete:" + delete.why().action()
        : change instanceof Update ? "update" : "create";
    return verb + " " + change.binding().getMetadata().getName();
  }
}
