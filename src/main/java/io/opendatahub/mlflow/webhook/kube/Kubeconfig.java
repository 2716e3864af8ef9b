package io.opendatahub.mlflow.webhook.kube;

import io.fabric8.kubernetes.client.Config;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import tools.jackson.core.JacksonException;

/**
 * Kubeconfig files, checked before the Kubernetes client reads them: a missing or broken file
 * stops start-up with one line naming the setting, the file and the place, instead of a parser's
 * stack trace. Messages never quote the file's text: a kubeconfig holds tokens and keys, and a
 * YAML parser's error quotes the line it stopped at.
 */
public final class Kubeconfig {

  /** A kubeconfig that cannot be used; the message is one line, safe to log. */
  public static final class InvalidException extends Exception {
    InvalidException(String message) {
      super(message);
    }
  }

  private Kubeconfig() {}

  /** The files of a {@code KUBECONFIG}-style list (separated by the platform's path separator). */
  static List<Path> files(String list) {
    List<Path> files = new ArrayList<>();
    for (String file : list.split(File.pathSeparator)) {
      if (!file.isBlank()) {
        files.add(Path.of(file.trim()));
      }
    }
    return files;
  }

  /**
   * The client configuration from kubeconfig files that {@code setting} named. When they are the
   * files the client finds by itself (the process's {@code KUBECONFIG}, or the default), the
   * client configures itself as it always does: merging several files as kubectl does, and
   * reading its settings from the environment too (proxies, for one). Other files (a test's)
   * are read one by one.
   */
  static Config read(String setting, List<Path> files) throws InvalidException {
    if (files.isEmpty()) {
      throw new InvalidException(setting + ": names no file");
    }
    for (Path file : files) {
      check(setting, file);
    }
    try {
      boolean asTheClientFindsThem = files.stream().map(Path::toString).toList()
          .equals(List.copyOf(Config.getKubeconfigFilenames()));
      return asTheClientFindsThem || files.size() > 1
          ? Config.autoConfigure(null) : Config.fromKubeconfig(files.get(0).toFile());
    } catch (RuntimeException e) {
      throw new InvalidException(setting + ": " + String.join(File.pathSeparator,
          files.stream().map(Path::toString).toList()) + ": the Kubernetes client cannot use it ("
          + reason(e) + ")");
    }
  }

  /** Exists, is readable, and is a YAML mapping. */
  static void check(String setting, Path file) throws InvalidException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new InvalidException(setting + ": " + file + " does not exist or cannot be read");
    }
    Object document;
    try {
      document = new Load(LoadSettings.builder().build()).loadFromString(text);
    } catch (MarkedYamlEngineException e) {
      String at = e.getProblemMark().map(mark -> "line " + (mark.getLine() + 1) + ", column "
          + (mark.getColumn() + 1) + ": ").orElse("");
      throw new InvalidException(setting + ": " + file + " is not valid YAML: " + at
          + e.getProblem());
    } catch (YamlEngineException e) {
      throw new InvalidException(setting + ": " + file + " is not valid YAML");
    }
    if (!(document instanceof Map)) {
      throw new InvalidException(setting + ": " + file + " is not a kubeconfig (expected a"
          + " mapping with apiVersion, clusters, users and contexts)");
    }
  }

  private static String path(List<JacksonException.Reference> references) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference reference : references) {
      if (reference.getPropertyName() != null) {
        path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  /**
   * The innermost cause's type, and its message only when it quotes nothing: a data-binding
   * message may repeat a value it could not read, which may be a credential.
   */
  private static String reason(Throwable failure) {
    Throwable root = Causes.innermost(failure);
    if (root instanceof JacksonException jackson && !jackson.getPath().isEmpty()) {
      // Data binding: say where, not what (the value may be a credential).
      return root.getClass().getSimpleName() + " at " + path(jackson.getPath());
    }
    String message = root.getMessage();
    if (message == null || message.contains("'") || message.contains("\"")
        || message.contains("`")) {
      return root.getClass().getSimpleName();
    }
    return Causes.describe(root);
  }
}
