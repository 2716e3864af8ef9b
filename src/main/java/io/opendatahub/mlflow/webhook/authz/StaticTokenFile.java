package io.opendatahub.mlflow.webhook.authz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A static token file, {@code token,user,uid,"group1,group2"} per line, as the API server's
 * {@code --token-auth-file}: the standalone answer to "who is this token". Tokens are kept by
 * their SHA-256 only.
 */
public final class StaticTokenFile implements Function<String, CompletableFuture<Optional<Identity>>> {

  private final Map<String, Identity> identitiesByTokenHash;

  private StaticTokenFile(Map<String, Identity> identitiesByTokenHash) {
    this.identitiesByTokenHash = Map.copyOf(identitiesByTokenHash);
  }

  @Override
  public CompletableFuture<Optional<Identity>> apply(String bearerToken) {
    return CompletableFuture.completedFuture(
        Optional.ofNullable(identitiesByTokenHash.get(Tokens.sha256(bearerToken))));
  }

  public static StaticTokenFile read(Path file) throws IOException {
    Map<String, Identity> identities = new HashMap<>();
    int lineNumber = 0;
    for (String line : Files.readAllLines(file)) {
      lineNumber++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      List<String> fields = csv(line);
      if (fields.size() < 3 || fields.get(0).isEmpty() || fields.get(1).isEmpty()) {
        // The line itself holds a token: never quote it.
        throw new IOException(file + ":" + lineNumber + ": expected token,user,uid[,\"groups\"]");
      }
      List<String> groups = fields.size() > 3 && !fields.get(3).isBlank()
          ? List.of(fields.get(3).split(",")) : List.of();
      identities.put(Tokens.sha256(fields.get(0)),
          new Identity(fields.get(1), fields.get(2), groups, Map.of()));
    }
    return new StaticTokenFile(identities);
  }

  private static List<String> csv(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (char c : line.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.add(field.toString().trim());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString().trim());
    return fields;
  }
}
