package io.opendatahub.mlflow.webhook;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;


import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;

/**
 * The direction of imports is the architecture (DESIGN.md, "Layers"). These rules read the
 * compiled main classes, so a change that breaks the layering fails the build naming the class
 * and the dependency that broke it.
 *
 * <p>The rules run from {@code @ArchTest} methods, not fields: Surefire 3.5.3 silently skips
 * {@code @ArchTest} fields (SUREFIRE-2298), and a rule that never runs cannot fail.
 */
@AnalyzeClasses(packages = LayeringTest.ROOT, importOptions = {ImportOption.DoNotIncludeTests.class,
    ImportOption.DoNotIncludeJars.class})
class LayeringTest {

  static final String ROOT = "io.opendatahub.mlflow.webhook";

  /**
   * The packages that decide: the MLflow, RoleBinding and authorization rules, the policy model
   * and the admission values they speak in. fabric8's model classes (Quantity, RoleBinding) and
   * its JSON patch library are values and allowed; its client and Vert.x are not.
   */
  private static final String[] DECISIONS = {ROOT + ".admission..", ROOT + ".audit..",
      ROOT + ".mlflow..", ROOT + ".rbac..", ROOT + ".policy..", ROOT + ".authz.."};

  private static final ArchRule NO_PACKAGE_CYCLES = slices().matching(ROOT + ".(*)..")
      .should().beFreeOfCycles()
      .because("a package may not reach back to one that uses it");

  private static final ArchRule DECISIONS_ARE_PURE = noClasses()
      .that().resideInAnyPackage(DECISIONS)
      .should().dependOnClassesThat().resideInAnyPackage("io.vertx..",
          "io.fabric8.kubernetes.client..")
      .as("the decision packages (admission, audit, mlflow, rbac, policy, authz) import neither Vert.x"
          + " nor the fabric8 Kubernetes client")
      .because("a decision is (request, policy, cluster facts) -> decision, run and tested"
          + " without a server or a cluster");

  private static final ArchRule SERVER_STAYS_OUT_OF_KUBE = noClasses()
      .that().resideInAPackage(ROOT + ".server..")
      .should().dependOnClassesThat().resideInAPackage(ROOT + ".kube..")
      .as("the HTTP server does not reach into the fabric8 code in kube")
      .because("it sees the cluster only through the interfaces the decision packages declare"
          + " (NamespaceFacts, AccessReviewer), handed to it by cli");

  private static final ArchRule ONLY_CLI_WIRES = layeredArchitecture()
      .consideringOnlyDependenciesInLayers()
      .layer("wiring").definedBy(ROOT + ".cli..")
      .layer("http").definedBy(ROOT + ".server..")
      .layer("file watching").definedBy(ROOT + ".reload..")
      .layer("cluster client").definedBy(ROOT + ".kube..")
      .layer("decisions").definedBy(DECISIONS)
      .whereLayer("wiring").mayNotBeAccessedByAnyLayer()
      .whereLayer("http").mayOnlyBeAccessedByLayers("wiring")
      .whereLayer("cluster client").mayOnlyBeAccessedByLayers("wiring")
      .whereLayer("file watching").mayOnlyBeAccessedByLayers("wiring", "http")
      .whereLayer("decisions").mayOnlyAccessLayers("decisions")
      .as("cli is the only package that wires: it alone reaches the HTTP server and the cluster"
          + " client, and the decision packages reach no layer above them");

  @ArchTest
  static void packagesHaveNoCycles(JavaClasses classes) {
    assertHolds(NO_PACKAGE_CYCLES, classes);
  }

  @ArchTest
  static void decisionPackagesImportNeitherVertxNorTheKubernetesClient(JavaClasses classes) {
    assertHolds(DECISIONS_ARE_PURE, classes);
  }

  @ArchTest
  static void serverDoesNotReachIntoKube(JavaClasses classes) {
    assertHolds(SERVER_STAYS_OUT_OF_KUBE, classes);
  }

  @ArchTest
  static void onlyCliWires(JavaClasses classes) {
    assertHolds(ONLY_CLI_WIRES, classes);
  }

  /**
   * The rule holds for the main classes, which were found (an import that finds nothing would
   * make every rule hold); a violation fails naming each class and dependency that broke it.
   */
  private static void assertHolds(ArchRule rule, JavaClasses classes) {
    assertThat(classes).as("main classes under " + ROOT).isNotEmpty();
    EvaluationResult result = rule.evaluate(classes);
    assertThat(result.hasViolation())
        .withFailMessage("%s", result.getFailureReport())
        .isFalse();
  }
}
