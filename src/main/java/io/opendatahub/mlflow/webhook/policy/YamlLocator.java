package io.opendatahub.mlflow.webhook.policy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Finds the line of a field in a YAML file, so that a policy error can point an admin at it.
 * Data binding loses positions once values are buffered; the YAML node tree keeps them.
 */
final class YamlLocator {

  private final List<Node> documents = new ArrayList<>();

  YamlLocator(byte[] yaml) {
    try {
      for (Node node : new Compose(LoadSettings.builder().build())
          .composeAllFromString(new String(yaml, StandardCharsets.UTF_8))) {
        documents.add(node);
      }
    } catch (RuntimeException e) {
      // Unparseable YAML is reported by the parser itself, with its own position.
      documents.clear();
    }
  }

  /**
   * The 1-based line of the deepest node on the path (field names and list indexes) that exists
   * in the given document, or 0 when not even the document is known.
   */
  int line(int document, List<Object> path) {
    if (document < 0 || document >= documents.size()) {
      return 0;
    }
    Node node = documents.get(document);
    int line = lineOf(node);
    for (Object step : path) {
      if (step instanceof Integer index) {
        node = item(node, index);
        if (node == null) {
          break;
        }
        line = lineOf(node);
      } else {
        NodeTuple entry = field(node, (String) step);
        if (entry == null) {
          break;
        }
        // The key's line is what an admin looks for, even when the value starts below it.
        line = lineOf(entry.getKeyNode());
        node = entry.getValueNode();
      }
    }
    return line;
  }

  private static NodeTuple field(Node node, String name) {
    if (!(node instanceof MappingNode mapping)) {
      return null;
    }
    for (NodeTuple tuple : mapping.getValue()) {
      if (tuple.getKeyNode() instanceof ScalarNode key && key.getValue().equals(name)) {
        return tuple;
      }
    }
    return null;
  }

  private static Node item(Node node, int index) {
    if (node instanceof SequenceNode sequence && index < sequence.getValue().size()) {
      return sequence.getValue().get(index);
    }
    return null;
  }

  private static int lineOf(Node node) {
    return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
  }
}
