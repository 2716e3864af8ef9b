package io.opendatahub.mlflow.webhook.admission;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * How the service makes its JSON readers and writers: every codec reads and writes through one
 * of these, so that each reads with its limits and duplicate-key detection, and none pays more
 * per request than it must (issue 19).
 *
 * <ul>
 *   <li>Buffers come from Jackson's thread-local recycler pool. Its default, a concurrent deque
 *       per factory, was shared by both event loops: taking and returning a buffer was 1.3% of
 *       {@code /validate}'s event-loop samples in a profile under load.
 *   <li>{@link #parser} comes straight from the factory, without the deserialization context the
 *       mapper builds for each parser: for readers that read tokens and build no tree through the
 *       parser. The mapper ({@link #mapper}) reads trees, with the same limits and features.
 *   <li>Property names are interned. Jackson's symbol table already hands out one {@code String}
 *       per name; interned, it is the very constant the readers' {@code switch}es and the rules'
 *       {@code ObjectNode.get} compare it with, so each comparison ends at the identity check
 *       instead of comparing the characters. Only a name new to the symbol table is interned,
 *       through Jackson's bounded {@code InternCache}.
 *   <li>{@link #write} writes with a generator each thread keeps (a new one per answer, with its
 *       write contexts, was up to 5% of {@code /authorize}'s event-loop samples) and returns the
 *       document as a byte array of its exact size, copied once from the generator's buffer. The
 *       generator is the mapper's, so it writes trees too: a patched review's patch through
 *       {@code mapper.writeValueAsBytes}, which makes a generator and a serialization context
 *       per call, was two thirds of its encode in a profile under load.
 * </ul>
 */
public final class JsonStreams {

  /** Parsers whose reader finds duplicate names itself, cheaper than the parser's sets. */
  private static final ObjectReadContext NO_DUPLICATE_DETECTION = new ObjectReadContext.Base() {
    @Override
    public int getStreamReadFeatures(int defaults) {
      return defaults & ~StreamReadFeature.STRICT_DUPLICATE_DETECTION.getMask();
    }
  };

  private final JsonFactory factory;
  private final JsonMapper mapper;
  /**
   * Makes the generators {@link #write} keeps: the mapper's, so that a document can hold a tree
   * ({@link JsonGenerator#writeTree}), and with nothing between documents written one after
   * another, which are separate answers (Jackson writes a space between root values by default).
   */
  private final ObjectWriter documents;
  private final ThreadLocal<Writer> writers = ThreadLocal.withInitial(this::newWriter);

  /** Readers with {@code limits} and strict duplicate detection. */
  public JsonStreams(StreamReadConstraints limits) {
    factory = JsonFactory.builder()
        .streamReadConstraints(limits)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(TokenStreamFactory.Feature.INTERN_PROPERTY_NAMES)
        .recyclerPool(JsonRecyclerPools.threadLocalPool())
        .build();
    mapper = JsonMapper.builder(factory).build();
    documents = mapper.writer().withRootValueSeparator((String) null);
  }

  /** Readers with Jackson's default limits and strict duplicate detection. */
  public static JsonStreams withDefaultLimits() {
    return new JsonStreams(StreamReadConstraints.defaults());
  }

  /** The mapper for trees: same factory, so same limits, features and buffers. */
  public JsonMapper mapper() {
    return mapper;
  }

  /**
   * A parser of {@code body} for reading tokens: it cannot read a value as a tree (use {@link
   * #mapper}'s parser for that).
   */
  public JsonParser parser(byte[] body) {
    return factory.createParser(ObjectReadContext.empty(), body);
  }

  /**
   * As {@link #parser}, without duplicate-key detection: only for a reader that finds duplicate
   * names itself and leaves such a body to a reader that refuses it.
   */
  public JsonParser parserFindingNoDuplicates(byte[] body) {
    return factory.createParser(NO_DUPLICATE_DETECTION, body);
  }

  /**
   * The one JSON document {@code document} writes, as UTF-8 bytes.
   *
   * @throws IllegalStateException if {@code document} did not write exactly one whole value
   */
  public byte[] write(Consumer<JsonGenerator> document) {
    Writer writer = writers.get();
    if (writer.busy) {
      // A document written while this thread writes another: a generator of its own.
      return newWriter().write(document);
    }
    writer.busy = true;
    boolean reusable = false;
    try {
      byte[] written = writer.write(document);
      reusable = true;
      return written;
    } finally {
      writer.busy = false;
      if (!reusable) {
        // Stopped halfway, the generator is inside the document: the next gets a new one.
        writers.remove();
      }
    }
  }

  private Writer newWriter() {
    Sink sink = new Sink();
    return new Writer(documents.createGenerator(sink), sink);
  }

  /** A generator and where it writes; one thread's. */
  private static final class Writer {
    private final JsonGenerator generator;
    private final Sink sink;
    private boolean busy;

    Writer(JsonGenerator generator, Sink sink) {
      this.generator = generator;
      this.sink = sink;
    }

    byte[] write(Consumer<JsonGenerator> document) {
      int before = generator.streamWriteContext().getEntryCount();
      document.accept(generator);
      TokenStreamContext after = generator.streamWriteContext();
      if (!after.inRoot() || after.getEntryCount() != before + 1) {
        throw new IllegalStateException("the document is not one whole JSON value");
      }
      generator.flush();
      return sink.take();
    }
  }

  /**
   * What the generator flushes: its buffer (8,000 bytes) holds any answer but a large batch, so
   * the document usually arrives in one piece and is copied once, to an array of its size. Keeps
   * nothing between documents.
   */
  private static final class Sink extends OutputStream {
    private byte[] first;
    private ByteArrayOutputStream more;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      if (first == null && more == null) {
        first = Arrays.copyOfRange(bytes, offset, offset + length);
        return;
      }
      if (more == null) {
        more = new ByteArrayOutputStream(first.length + length);
        more.writeBytes(first);
        first = null;
      }
      more.write(bytes, offset, length);
    }

    byte[] take() {
      byte[] taken = more != null ? more.toByteArray() : first != null ? first : new byte[0];
      first = null;
      more = null;
      return taken;
    }
  }
}
