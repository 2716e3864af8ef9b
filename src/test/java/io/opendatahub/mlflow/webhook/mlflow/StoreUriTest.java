package io.opendatahub.mlflow.webhook.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

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
  })
  void findsAndRedactsCredentialsInTheQuery(String uri, String redacted, boolean secretQuery) {
    StoreUri store = new StoreUri(uri);

    assertThat(store.redacted()).isEqualTo(redacted);
    assertThat(store.hasSecretQuery()).isEqualTo(secretQuery);
    assertThat(store.hasInlineCredentials()).isEqualTo(secretQuery);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "null", value = {
    "postgresql://db/mlflow?sslmode=verify-full | sslmode | verify-full",
    "postgresql://db/mlflow?a=1;SSLMODE=require#frag | sslmode | require",
    "postgresql://db/mlflow | sslmode | null",
    "mysql://db/mlflow?ssl_ca=/etc/ca.pem | ssl_ca | /etc/ca.pem",
  })
  void readsAQueryParameter(String uri, String key, String value) {
    assertThat(new StoreUri(uri).queryValue(key)).isEqualTo(value);
  }
}
