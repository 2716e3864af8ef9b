package io.opendatahub.mlflow.webhook.authz;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Metric labels: the question's own resource and verb where MLflow knows them, else "other". */
class MlflowResourcesTest {

  private static final String GROUP = "mlflow.kubeflow.org";

  /** A question whose strings are fresh copies, as a decoded request's are. */
  private static ResourceAttributes asked(String group, String resource, String subresource) {
    return new ResourceAttributes("team-a", new String("get"), new String(group), "",
        new String(resource), new String(subresource), "");
  }

  @Test
  void knownResourcesAreLabelledAsAskedAndEachLabelIsOneSharedString() {
    for (String resource : MlflowResources.RESOURCES) {
      for (String subresource : MlflowResources.SUBRESOURCES) {
        ResourceAttributes question = asked(GROUP, resource, subresource);
        String label = MlflowResources.label(question);

        assertThat(label).isEqualTo(question.fullResource());
        assertThat(MlflowResources.label(asked(GROUP, resource, subresource))).isSameAs(label);
      }
    }
  }

  @Test
  void anythingElseIsOther() {
    assertThat(MlflowResources.label(asked("apps", "experiments", ""))).isEqualTo("other");
    assertThat(MlflowResources.label(asked("", "experiments", ""))).isEqualTo("other");
    assertThat(MlflowResources.label(asked(GROUP, "deployments", ""))).isEqualTo("other");
    assertThat(MlflowResources.label(asked(GROUP, "Experiments", ""))).isEqualTo("other");
    assertThat(MlflowResources.label(asked(GROUP, "experiments", "status"))).isEqualTo("other");
    assertThat(MlflowResources.label(asked(GROUP, "experiments/use", ""))).isEqualTo("other");
    assertThat(MlflowResources.label(asked(GROUP, "*", ""))).isEqualTo("other");
  }

  @Test
  void verbsAreLabelledAsAskedWhenKnown() {
    for (String verb : MlflowResources.VERBS) {
      assertThat(MlflowResources.verbLabel(new String(verb))).isEqualTo(verb)
          .isSameAs(MlflowResources.verbLabel(new String(verb)));
    }
    assertThat(MlflowResources.verbLabel("GET")).isEqualTo("other");
    assertThat(MlflowResources.verbLabel("escalate")).isEqualTo("other");
    assertThat(MlflowResources.verbLabel("")).isEqualTo("other");
  }
}
