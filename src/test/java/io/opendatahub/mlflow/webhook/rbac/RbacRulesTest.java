package io.opendatahub.mlflow.webhook.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.opendatahub.mlflow.webhook.rbac.RbacModel.Request;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Rule;
import io.opendatahub.mlflow.webhook.rbac.RbacModel.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kubernetes' own RBAC test tables, ported case for case: TestRuleMatches (rbac_test.go),
 * TestAppliesTo (rule_test.go) and the service-account user name table (util_test.go).
 */
class RbacRulesTest {

  private static Rule rule(List<String> verbs, List<String> groups, List<String> resources) {
    return new Rule(verbs, groups, resources, null, null);
  }

  private static Rule urls(List<String> verbs, List<String> paths) {
    return new Rule(verbs, null, null, null, paths);
  }

  private static Request resource(String verb, String group, String resource, String sub) {
    return Request.resource("u", List.of(), verb, "ns", group, resource, sub, "");
  }

  /** TestRuleMatches: each rule against every verb x group x resource of the grid. */
  static Stream<Arguments> ruleMatches() {
    List<Arguments> cases = new ArrayList<>();
    grid(cases, "star verb", rule(List.of("*"), List.of("group1"), List.of("resource1")),
        (v, g, r) -> g.equals("group1") && r.equals("resource1"));
    grid(cases, "star group", rule(List.of("verb1"), List.of("*"), List.of("resource1")),
        (v, g, r) -> v.equals("verb1") && r.equals("resource1"));
    grid(cases, "star resource", rule(List.of("verb1"), List.of("group1"), List.of("*")),
        (v, g, r) -> v.equals("verb1") && g.equals("group1"));
    grid(cases, "tuple expansion", rule(List.of("verb1", "verb2"), List.of("group1", "group2"),
        List.of("resource1", "resource2")), (v, g, r) -> true);
    return cases.stream();
  }

  interface Expect {
    boolean allowed(String verb, String group, String resource);
  }

  private static void grid(List<Arguments> cases, String name, Rule rule, Expect expect) {
    for (String verb : List.of("verb1", "verb2")) {
      for (String group : List.of("group1", "group2")) {
        for (String resource : List.of("resource1", "resource2")) {
          cases.add(Arguments.of(name + ": " + verb + " " + group + " " + resource, rule,
              resource(verb, group, resource, ""), expect.allowed(verb, group, resource)));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ruleMatches")
  void ruleMatchesGrid(String name, Rule rule, Request request, boolean allowed) {
    assertThat(RbacRules.allows(request, rule)).isEqualTo(allowed);
  }

  @ParameterizedTest(name = "subresource rule: {0}/{1} -> {2}")
  @CsvSource({"resource1, subresource1, true", "resource1, '', false",
      "resource2, subresource1, false", "resource1, subresource2, false"})
  void subresourceRules(String resource, String subresource, boolean allowed) {
    Rule rule = rule(List.of("*"), List.of("*"), List.of("resource1/subresource1"));

    assertThat(RbacRules.allows(resource("verb1", "group1", resource, subresource), rule))
        .isEqualTo(allowed);
  }

  @ParameterizedTest(name = "{0} {1} {2} -> {3}")
  @CsvSource(delimiter = '|', value = {
    "verb1 | *             | /foo          | true",
    "verb1 | *             | /foo/bar      | true",
    "verb2 | *             | /foo          | false",
    "verb1 | /foo/*        | /foo          | false",
    "verb1 | /foo/*        | /foo/bar      | true",
    "verb1 | /foo/*        | /foo/baz      | true",
    "verb1 | /foo/*        | /foo/bar/one  | true",
    "verb1 | /foo/*        | /notfoo       | false",
    "verb1 | /foo/*        | /notfoo/bar   | false",
    "verb1 | /foo,/foo/bar/one | /foo      | true",
    "verb1 | /foo,/foo/bar/one | /foo/bar  | false",
    "verb1 | /foo,/foo/bar/one | /foo/bar/one | true",
  })
  void nonResourceUrls(String verb, String paths, String path, boolean allowed) {
    Rule rule = urls(paths.contains(",") ? List.of("*") : List.of("verb1"),
        List.of(paths.split(",")));

    assertThat(RbacRules.allows(Request.nonResource("u", List.of(), verb, path), rule))
        .isEqualTo(allowed);
  }

  /** TestAppliesTo: subjects against a user, its groups and the namespace being evaluated. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "null", value = {
    "single user match        | User:foobar:           | foobar | null  | ns1     | true",
    "single user no match     | User:baz:              | foobar | null  | ns1     | false",
    "user star is no wildcard | User:*:                | foobar | null  | ns1     | false",
    "group match              | Group:admins:          | foobar | admins,other | ns1 | true",
    "group match elsewhere    | Group:admins:          | foobar | admins | ''   | true",
    "group no match           | Group:admins:          | foobar | other  | ns1  | false",
    "sa explicit namespace    | ServiceAccount:default:kube-system | system:serviceaccount:kube-system:default | null | default | true",
    "sa namespace defaulted   | ServiceAccount:default: | system:serviceaccount:ns1:default | null | ns1 | true",
    "sa other namespace       | ServiceAccount:default: | system:serviceaccount:ns2:default | null | ns1 | false",
    "sa cluster scope         | ServiceAccount:default: | system:serviceaccount::default | null | '' | false",
    "authenticated group      | Group:system:authenticated: | anyone | system:authenticated | ns1 | true",
    "unauthenticated group    | Group:system:unauthenticated: | system:anonymous | system:unauthenticated | ns1 | true",
  })
  void appliesTo(String name, String subject, String user, String groups, String namespace,
      boolean applies) {
    int last = subject.lastIndexOf(':');
    int first = subject.indexOf(':');
    Subject parsed = new Subject(subject.substring(0, first), subject.substring(first + 1, last),
        subject.substring(last + 1));
    List<String> groupList = groups == null ? List.of() : List.of(groups.split(","));

    assertThat(RbacRules.appliesTo(parsed, user, groupList, namespace)).isEqualTo(applies);
  }

  /** Service-account user names (MatchesUsername in util_test.go): exact and complete only. */
  @ParameterizedTest(name = "{0}:{1} vs {2} -> {3}")
  @CsvSource({
    "foo, bar, system:serviceaccount:foo:bar, true",
    "foo, bar, system:serviceaccount:foo:, false",
    "foo, bar, system:serviceaccount::bar, false",
    "foo, bar, system:serviceaccount:foo:bar:baz, false",
    "foo, bar, system:serviceaccount:bar:foo, false",
    "foo, bar, foo:bar, false",
  })
  void serviceAccountUserNames(String namespace, String name, String user, boolean matches) {
    assertThat(RbacRules.matchesServiceAccount(namespace, name, user)).isEqualTo(matches);
  }
}
