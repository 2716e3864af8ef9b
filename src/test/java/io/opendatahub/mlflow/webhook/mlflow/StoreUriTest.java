package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StoreUriTest {

  @ParameterizedTest
  @CsvSource({
    "sqlite:////mlflow/mlflow.db, sqlite, true",
    "sqlite+pysqlite:////mlflow/mlflow.db, sqlite, true",
    "SQLITE:///relative.db, sqlite, true",
    "file:///mlflow/artifacts, file, true",
    "/mlflow/mlruns, file, true",
    "./mlruns, file, true",
    "postgresql://user:pw@db:5432/mlflow, postgresql, false",
    "postgresql+psycopg2://db/mlflow, postgresql, false",
    "mysql+pymysql://db/mlflow, mysql, false",
    "s3://bucket/path, s3, false",
  })
  void knowsTheSchemeFamily(String uri, String family, boolean fileBased) {
    StoreUri store = new StoreUri(uri);

    assertThat(store.schemeFamily()).isEqualTo(family);
    assertThat(store.isFileBased()).isEqualTo(fileBased);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "postgresql://mlflow:s3cr3t@db:5432/mlflow | postgresql://mlflow:***@db:5432/mlflow | true",
    "mysql+pymysql://root:p%40ss@db/mlflow | mysql+pymysql://root:***@db/mlflow | true",
    "postgresql://mlflow@db/mlflow | postgresql://mlflow@db/mlflow | false",
    "postgresql://db/mlflow?user=x&password=s3cr3t | postgresql://db/mlflow?user=x&password=*** | false",
    "postgresql://u:a@b@db/mlflow | postgresql://u:***@db/mlflow | true",
    "sqlite:////mlflow/mlflow.db | sqlite:////mlflow/mlflow.db | false",
    "postgresql://mlflow:pa/ss@db/mlflow | postgresql://mlflow:***@db/mlflow | true",
    "postgresql://mlflow:p?ss#x@db/mlflow | postgresql://mlflow:***@db/mlflow | true",
    "s3://minio:9000/bucket/a@b | s3://minio:***@b | false",
    // SQLAlchemy's user runs to the first ':' and may hold '@'; its password then runs to '@'.
    "postgresql://u@x:p/w@h/db | postgresql://u@x:***@h/db | true",
    // A scheme SQLAlchemy's grammar would not take, or text before it: still hidden.
    "my-scheme://user:p/ss@host/x | my-scheme://user:***@host/x | false",
    "' postgresql://u:p/w@h/db' | ' postgresql://u:***@h/db' | false",
    // An unencoded '@' in a password: what follows the first one may be the rest of it.
    "postgresql://u:p@w:x/y#z@host/db | postgresql://u:***@host/db | true",
    // An empty password is no secret.
    "postgresql://mlflow:@db/mlflow | postgresql://mlflow:***@db/mlflow | false",
  })
  void redactsPasswordsButKeepsWhatHelpsFindTheDatabase(String uri, String redacted,
      boolean inlinePassword) {
    StoreUri store = new StoreUri(uri);

    assertThat(store.redacted()).isEqualTo(redacted);
    assertThat(store.toString()).isEqualTo(redacted);
    assertThat(store.hasInlinePassword()).isEqualTo(inlinePassword);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "postgresql://db/mlflow?password=pw | postgresql://db/mlflow?password=*** | true",
    "postgresql://db/mlflow?sslmode=verify-full&sslpassword=pw | postgresql://db/mlflow?sslmode=verify-full&sslpassword=*** | true",
    "s3://bucket/x?X-Amz-Security-Token=t&X-Amz-Signature=s | s3://bucket/x?X-Amz-Security-Token=***&X-Amz-Signature=*** | true",
    "wasbs://c@acct.blob.core.windows.net/x?sv=2024&sig=abc | wasbs://c@acct.blob.core.windows.net/x?sv=2024&sig=*** | true",
    "https://host/x?client_secret=s | https://host/x?client_secret=*** | true",
    "postgresql://db/mlflow?sslmode=require&token_type=x | postgresql://db/mlflow?sslmode=require&token_type=x | false",
    // libpq and SQLAlchemy decode the key: this is a password.
    "postgresql://db/mlflow?pass%77ord=s3cr3t | postgresql://db/mlflow?pass%77ord=*** | true",
    // SQLAlchemy's query runs past '#', so a '#' may be inside the password.
    "postgresql://db/mlflow?password=se#cret&sslmode=verify-full | postgresql://db/mlflow?password=***&sslmode=verify-full | true",
    "postgresql://db/x?PASSWORD=a&Password=b;Access-Key=c | postgresql://db/x?PASSWORD=***&Password=***;Access-Key=*** | true",
    "postgresql://db/mlflow?password= | postgresql://db/mlflow?password=*** | false",
  })
  void findsAndRedactsCredentialsInTheQuery(String uri, String redacted, boolean secretQuery) {
    StoreUri store = new StoreUri(uri);

    assertThat(store.redacted()).isEqualTo(redacted);
    assertThat(store.hasSecretQuery()).isEqualTo(secretQuery);
    assertThat(store.hasInlineCredentials()).isEqualTo(secretQuery);
  }

  @Test
  void aLongUriIsShownCutAndRedacted() {
    String redacted = new StoreUri("ftp://u:s3cr3t@host/" + "a".repeat(1 << 20)).redacted();

    assertThat(redacted).startsWith("ftp://u:***@host/aaa").doesNotContain("s3cr3t")
        .hasSizeLessThan(300);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "null", value = {
    "postgresql://db/mlflow?sslmode=verify-full | sslmode | verify-full",
    "postgresql://db/mlflow?a=1;SSLMODE=require#frag | sslmode | require",
    "postgresql://db/mlflow | sslmode | null",
    "mysql://db/mlflow?ssl_ca=/etc/ca.pem | ssl_ca | /etc/ca.pem",
    "postgresql://db/mlflow?ssl%6Dode=disable | sslmode | disable",
  })
  void readsAQueryParameter(String uri, String key, String value) {
    assertThat(new StoreUri(uri).queryValue(key)).isEqualTo(value);
  }
}
