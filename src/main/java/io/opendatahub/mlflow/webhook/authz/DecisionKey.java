package io.opendatahub.mlflow.webhook.authz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a cached decision is about: a caller key ({@code token:<hash>} or {@code user:<hash>},
 * never a token or a name in clear) and the question.
 */
record DecisionKey(String subject, ResourceAttributes attributes) {

  int length() {
    ResourceAttributes a = attributes;
    return subject.length() + a.namespace().length() + a.verb().length() + a.group().length()
        + a.version().length() + a.resource().length() + a.subresource().length()
        + a.name().length();
  }

  /**
   * The cache identity of a named subject: every field that can change the answer, each value
   * length-prefixed, so no user, uid, group or extra value (NUL and separators included) can
   * make two subjects' texts equal.
   */
  static String subjectHash(Identity subject) {
    StringBuilder text = new StringBuilder();
    field(text, subject.username());
    field(text, subject.uid());
    List<String> groups = new ArrayList<>(subject.groups());
    groups.sort(null);
    text.append(groups.size()).append('#');
    groups.forEach(group -> field(text, group));
    text.append(subject.extra().size()).append('#');
    for (Map.Entry<String, List<String>> entry : new TreeMap<>(subject.extra()).entrySet()) {
      field(text, entry.getKey());
      List<String> values = new ArrayList<>(entry.getValue());
      values.sort(null);
      text.append(values.size()).append('#');
      values.forEach(value -> field(text, value));
    }
    return Tokens.sha256(text.toString());
  }

  private static void field(StringBuilder text, String value) {
    text.append(value.length()).append(':').append(value);
  }
}
