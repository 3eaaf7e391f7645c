/* Tests for src/gateway/tls.c: the generated key and certificate (EC P-256,
 * 0600 key, subjectAltName, never overwritten), the listener options built
 * from PEM files, and the pin libhik computes from that certificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hik/isapi.h"
#include "tls.h"

static char dir[64];
static char cert_path[128], key_path[128];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/hikgate-test-tls-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(cert_path, sizeof cert_path, "%s/cert.pem", dir);
    snprintf(key_path, sizeof key_path, "%s/key.pem", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    gw_tls_free();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static X509 *load_cert(void)
{
    FILE *f = fopen(cert_path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[64 * 1024];
    *len = fread(buf, 1, sizeof buf - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void generated_pair_is_private_and_names_the_hosts(void **state)
{
    char err[256] = "";
    assert_int_equal(gw_tls_generate(dir, "127.0.0.5,gw.example,0.0.0.0", err, sizeof err), HIK_OK);
    struct stat sb;
    assert_int_equal(stat(key_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    X509 *x = load_cert();
    EVP_PKEY *pub = X509_get0_pubkey(x);
    assert_int_equal(EVP_PKEY_get_base_id(pub), EVP_PKEY_EC);
    assert_int_equal(EVP_PKEY_get_bits(pub), 256);
    BIO *bio = BIO_new(BIO_s_mem());
    GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    assert_non_null(san);
    for (int i = 0; i < sk_GENERAL_NAME_num(san); i++) {
        GENERAL_NAME_print(bio, sk_GENERAL_NAME_value(san, i));
        BIO_puts(bio, ";");
    }
    GENERAL_NAMES_free(san);
    char text[512] = "";
    BIO_read(bio, text, sizeof text - 1);
    BIO_free(bio);
    assert_non_null(strstr(text, "DNS:localhost;"));
    assert_non_null(strstr(text, "IP Address:127.0.0.1;"));
    assert_non_null(strstr(text, "IP Address:127.0.0.5;"));
    assert_non_null(strstr(text, "DNS:gw.example;"));
    assert_null(strstr(text, "0.0.0.0")); /* a wildcard listen address names nothing */
    /* Self-signed: it verifies with its own key. */
    assert_int_equal(X509_verify(x, pub), 1);
    X509_free(x);
}

static void an_existing_key_is_never_replaced(void **state)
{
    char err[256] = "";
    assert_int_equal(gw_tls_generate(dir, "", err, sizeof err), HIK_OK);
    size_t len;
    char before[4096];
    snprintf(before, sizeof before, "%s", slurp(key_path, &len));
    assert_int_not_equal(gw_tls_generate(dir, "", err, sizeof err), HIK_OK);
    assert_non_null(strstr(err, "key.pem"));
    assert_string_equal(slurp(key_path, &len), before);
}

static void bad_host_lists_are_refused(void **state)
{
    char err[256] = "";
    assert_int_equal(gw_tls_generate(dir, "good.example,bad/name", err, sizeof err),
                     HIK_ERR_INVALID);
    assert_int_not_equal(access(key_path, F_OK), 0);
}

static void listener_options_from_pem_files(void **state)
{
    char err[256] = "";
    struct MHD_OptionItem items[3];
    unsigned flags = 0;
    /* Neither file: plain HTTP, nothing added. */
    assert_int_equal(gw_tls_mhd_options(GW_TLS_API, "", "", items, &flags, err, sizeof err),
                     HIK_OK);
    assert_int_equal(items[0].option, MHD_OPTION_END);
    assert_int_equal(flags, 0);
    /* One without the other is a configuration error. */
    assert_int_equal(gw_tls_mhd_options(GW_TLS_API, cert_path, "", items, &flags, err, sizeof err),
                     HIK_ERR_INVALID);
    /* Missing files. */
    assert_int_equal(
        gw_tls_mhd_options(GW_TLS_API, cert_path, key_path, items, &flags, err, sizeof err),
        HIK_ERR_IO);
    assert_non_null(strstr(err, "cert.pem"));
    assert_int_equal(gw_tls_generate(dir, "", err, sizeof err), HIK_OK);
    assert_int_equal(
        gw_tls_mhd_options(GW_TLS_INGEST, cert_path, key_path, items, &flags, err, sizeof err),
        HIK_OK);
    assert_true(flags & MHD_USE_TLS);
    assert_int_equal(items[0].option, MHD_OPTION_HTTPS_MEM_CERT);
    assert_int_equal(items[1].option, MHD_OPTION_HTTPS_MEM_KEY);
    assert_int_equal(items[2].option, MHD_OPTION_END);
    assert_non_null(strstr(items[0].ptr_value, "BEGIN CERTIFICATE"));
    assert_non_null(strstr(items[1].ptr_value, "PRIVATE KEY"));
    /* Not a PEM file. */
    FILE *f = fopen(cert_path, "w");
    fputs("not a certificate\n", f);
    fclose(f);
    assert_int_equal(
        gw_tls_mhd_options(GW_TLS_INGEST, cert_path, key_path, items, &flags, err, sizeof err),
        HIK_ERR_PARSE);
}

/* The pin is SHA-256 over the DER SubjectPublicKeyInfo, computed here from
 * the private key file, independently of the certificate. */
static void pin_of_the_generated_certificate(void **state)
{
    char err[256] = "";
    assert_int_equal(gw_tls_generate(dir, "", err, sizeof err), HIK_OK);
    size_t len;
    const char *pem = slurp(cert_path, &len);
    char pin[HIK_PIN_MAX];
    assert_int_equal(hik_pin_from_pem(pem, len, pin), HIK_OK);
    assert_int_equal(strlen(pin), 8 + 44);

    FILE *f = fopen(key_path, "r");
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(key);
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    assert_true(n > 0);
    unsigned char md[32];
    unsigned int mdlen;
    assert_int_equal(EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL), 1);
    char expect[HIK_PIN_MAX] = "sha256//";
    EVP_EncodeBlock((unsigned char *)expect + 8, md, 32);
    assert_string_equal(pin, expect);
    OPENSSL_free(der);
    EVP_PKEY_free(key);

    assert_int_equal(hik_pin_from_pem("garbage", 7, pin), HIK_ERR_PARSE);
    assert_string_equal(pin, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(generated_pair_is_private_and_names_the_hosts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_existing_key_is_never_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_host_lists_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(listener_options_from_pem_files, setup, teardown),
        cmocka_unit_test_setup_teardown(pin_of_the_generated_certificate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
