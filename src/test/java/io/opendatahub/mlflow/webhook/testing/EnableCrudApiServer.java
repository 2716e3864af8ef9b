package io.opendatahub.mlflow.webhook.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@link CrudApiServer} for each test, in place of fabric8's
 * {@code @EnableCrudApiServer}: fields of type
 * {@code KubernetesClient} and {@code KubernetesMockServer} are filled before each test. After it,
 * the client is closed before the server, so the server has no watch left to close.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(CrudApiServerExtension.class)
public @interface EnableCrudApiServer {}
