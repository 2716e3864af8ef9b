package io.opendatahub.mlflow.webhook.audit;

import io.opendatahub.mlflow.webhook.audit.AuditResult.Status;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides which Kubernetes Events the audit's results call for: one when an object's findings
 * change, none while they stay the same. An object seen for the first time gets an Event only
 * when it has findings (a compliant object has nothing to tell); one whose findings went away
 * gets a {@code Normal} {@value #COMPLIANT}. Remembers one digest per object it was last shown,
 * bounded by the audited objects. No I/O: the caller writes what it returns and reports back
 * what it could not write ({@link #unwritten}).
 */
public final class AuditEvents {

  /** The controller named in every Event ({@code reportingController}, a qualified name). */
  public static final String CONTROLLER = "mlflow-policy-webhook";
  /** The Event's {@code action}: what the controller did that led to it. */
  public static final String ACTION = "Audit";
  /** Any {@code fail} finding: admission would reject a CREATE of the object. */
  public static final String VIOLATION = "PolicyViolation";
  /** Only {@code warn} findings: reported, not enforced. */
  public static final String WARNING = "PolicyWarning";
  /** No finding any more, after there were some. */
  public static final String COMPLIANT = "PolicyCompliant";
  /** The API server's limit on an Event's note, in bytes (events.k8s.io/v1). */
  public static final int NOTE_LIMIT = 1024;
  /** Where the API server wants Events about cluster-scoped objects. */
  static final String CLUSTER_SCOPED_NAMESPACE = "default";
  /** Leaves room for the digest in a 253-character DNS subdomain. */
  private static final int NAME_PREFIX_LIMIT = 200;
  /** A digest no findings have: the next pass sees a change and tries again. */
  private static final String UNWRITTEN = "";

  /** Object uid (or key) -> digest of the findings last seen. */
  private final Map<String, String> seen = new ConcurrentHashMap<>();

  /** The Events the current results call for; remembers them as told. Objects gone are forgotten. */
  public List<AuditEvent> changes(Collection<AuditedObject> objects) {
    List<AuditEvent> events = new ArrayList<>();
    Set<String> present = new HashSet<>();
    for (AuditedObject object : objects) {
      String id = id(object);
      present.add(id);
      String digest = digest(object);
      String previous = seen.put(id, digest);
      if (digest.equals(previous)) {
        continue;
      }
      boolean compliant = object.results().stream().allMatch(r -> r.result() == Status.PASS);
      if (previous == null && compliant) {
        continue;
      }
      events.add(event(object, digest, compliant, previous != null));
    }
    seen.keySet().retainAll(present);
    return events;
  }

  /**
   * {@code event} was not written (dropped or refused): the next pass decides it again, as a
   * change when it was one, unless the object's findings changed meanwhile.
   */
  public void unwritten(AuditEvent event) {
    String id = event.object();
    if (event.recurrence()) {
      seen.replace(id, event.findings(), UNWRITTEN);
    } else {
      seen.remove(id, event.findings());
    }
  }

  /**
   * Forgets everything: a replica that stops writing Events (it lost the lease) starts again
   * from first sight, as a new leader or a restart does.
   */
  public void forget() {
    seen.clear();
  }

  private static String id(AuditedObject object) {
    return object.uid().isEmpty() ? object.key() : object.uid();
  }

  private static AuditEvent event(AuditedObject object, String digest, boolean compliant,
      boolean recurrence) {
    boolean fails = object.fails();
    AuditEvent.Type type = compliant ? AuditEvent.Type.NORMAL : AuditEvent.Type.WARNING;
    String reason = compliant ? COMPLIANT : fails ? VIOLATION : WARNING;
    boolean namespaced = object.namespace() != null && !object.namespace().isEmpty();
    String id = id(object);
    return new AuditEvent(name(object.name(), id, digest),
        namespaced ? object.namespace() : CLUSTER_SCOPED_NAMESPACE, type, reason,
        note(object, compliant), new AuditEvent.Regarding(apiVersion(object.kind()),
            object.kind(), object.name(), namespaced ? object.namespace() : null, object.uid()),
        id, digest, recurrence);
  }

  private static String apiVersion(String kind) {
    return kind.equals(Auditor.ROLE_BINDING.kind())
        ? Auditor.ROLE_BINDING.group() + "/" + Auditor.ROLE_BINDING.version()
        : Auditor.MLFLOW.group() + "/" + Auditor.MLFLOW.version();
  }

  /**
   * {@code <object name>.<16 hex digits>}, a valid DNS subdomain whatever the object is called
   * (RoleBinding names may hold capitals and colons), from the object's identity and findings.
   */
  static String name(String objectName, String id, String digest) {
    String prefix = objectName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (prefix.length() > NAME_PREFIX_LIMIT) {
      prefix = prefix.substring(0, NAME_PREFIX_LIMIT);
    }
    prefix = prefix.replaceAll("^-+|-+$", "");
    String hash = sha256(id + "\n" + digest).substring(0, 16);
    return prefix.isEmpty() ? hash : prefix + "." + hash;
  }

  /**
   * The findings as admission words them ("fail rule: message; ..."), which never repeat a
   * secret (credentials in URIs are redacted where the message is made), cut to the API's limit.
   */
  static String note(AuditedObject object, boolean compliant) {
    if (compliant) {
      return object.kind() + " " + object.name()
          + " now passes every rule: admission would admit it as it is";
    }
    StringBuilder note = new StringBuilder();
    for (AuditResult result : object.results()) {
      if (result.result() == Status.PASS) {
        continue;
      }
      note.append(note.length() == 0 ? "" : "; ").append(result.result().wireName()).append(' ')
          .append(result.rule()).append(": ").append(result.message());
    }
    return truncate(note.toString(), NOTE_LIMIT);
  }

  /** At most {@code limit} UTF-8 bytes, cut between characters and marked when cut. */
  static String truncate(String text, int limit) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= limit) {
      return text;
    }
    String marker = " [...]";
    CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer room = ByteBuffer.allocate(limit - marker.length());
    CharBuffer in = CharBuffer.wrap(text);
    encoder.encode(in, room, true);
    return text.substring(0, in.position()) + marker;
  }

  /** A digest of the findings (rule, result, message), independent of their order. */
  static String digest(AuditedObject object) {
    List<String> lines = new ArrayList<>();
    for (AuditResult result : object.results()) {
      lines.add(result.rule() + "\u0000" + result.result().wireName() + "\u0000"
          + result.message());
    }
    lines.sort(null);
    return sha256(String.join("\n", lines));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
