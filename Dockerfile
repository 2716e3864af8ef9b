# Build: docker build -t quay.io/<org>/mlflow-policy-webhook:<tag> .
# Stage 1 builds the fat jar with Maven; stage 2 is a JRE-only UBI 9 image running as non-root.

FROM registry.access.redhat.com/ubi9/openjdk-17:1.21 AS build
USER root
WORKDIR /build
# Dependencies first, so source-only changes reuse the cached layer.
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY policies policies
RUN mvn -B -q -o package -DskipTests
# A throwaway certificate, only for the class-data training run of the next stage.
COPY certs/generate-dev-certs.sh certs/
RUN command -v openssl >/dev/null || microdnf install -y openssl; certs/generate-dev-certs.sh

FROM registry.access.redhat.com/ubi9/openjdk-17-runtime:1.21
LABEL org.opencontainers.image.title="mlflow-policy-webhook" \
      org.opencontainers.image.description="Admission and policy-evaluation webhook for MLflow on OpenShift AI / Open Data Hub"

COPY --from=build /build/target/mlflow-policy-webhook.jar /deployments/mlflow-policy-webhook.jar
# The shipped policy; a ConfigMap mounted at the same path replaces it.
COPY policies/policy.yaml /etc/webhook/policies/policy.yaml

# Class-data sharing: a training run with this image's JVM records the classes the service
# loads, which halves the time to ready (BENCHMARKS.md). Same JVM flags as the ENTRYPOINT.
COPY src/main/docker/class-data-archive.sh /tmp/training/
COPY --from=build /build/certs/tls.crt /build/certs/tls.key /tmp/training/
USER root
RUN WEBHOOK_POLICY=/etc/webhook/policies /tmp/training/class-data-archive.sh \
      /deployments/mlflow-policy-webhook.jar /deployments/mlflow-policy-webhook.jsa \
      /tmp/training/tls.crt /tmp/training/tls.key \
      -XX:+UseSerialGC -XX:MaxRAMPercentage=70 -XX:InitialRAMPercentage=20 \
      -XX:MaxTenuringThreshold=3 -Dvertx.cacheDirBase=/tmp/vertx-cache \
    && chmod 444 /deployments/mlflow-policy-webhook.jsa && rm -rf /tmp/training /tmp/vertx-cache

ENV WEBHOOK_PORT=8443 \
    WEBHOOK_TLS_CERT=/etc/webhook/certs/tls.crt \
    WEBHOOK_TLS_KEY=/etc/webhook/certs/tls.key \
    WEBHOOK_POLICY=/etc/webhook/policies \
    WEBHOOK_KUBE=auto \
    LOG_FORMAT=json

# UBI's OpenJDK images run as uid 185; any arbitrary uid (OpenShift's restricted SCC) works too,
# since nothing is written to the image's filesystem (only to the /tmp volume).
USER 185
EXPOSE 8443
# Heap from the container's memory limit; die on OOM so Kubernetes restarts the pod.
# The collector is named: under 1,792 MiB (the 512Mi limit) the JVM picks Serial on its own, but
# on a larger machine the same flags pick G1, so bench/run.sh (which reads these flags) measured
# another collector than the pod runs. Serial's young pauses with this service's ~17 MiB live
# heap are ~1-6 ms (BENCHMARKS.md, issue 19).
# MaxTenuringThreshold=3: at the default 15, objects that outlive a request's handful of young
# collections (caches, pooled buffers) are copied between survivor spaces for ~30 s of load, and
# young pauses stay 4-7 ms until they tenure; at 3 they tenure within ~5 s (BENCHMARKS.md).
# The root filesystem is read-only in the shipped Deployment: Vert.x keeps its cache in /tmp.
# A JVM that cannot use the class-data archive says so once and starts without it.
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=70", "-XX:InitialRAMPercentage=20", \
            "-XX:MaxTenuringThreshold=3", \
            "-XX:+ExitOnOutOfMemoryError", "-Dvertx.cacheDirBase=/tmp/vertx-cache", \
            "-XX:SharedArchiveFile=/deployments/mlflow-policy-webhook.jsa", \
            "-jar", "/deployments/mlflow-policy-webhook.jar", "serve"]
