/* tls.c: the listeners' certificate and key, and self-signed generation.
 *
 * A site without a CA still deserves an encrypted API: `hikgated
 * --generate-tls DIR` makes an EC P-256 key and a self-signed certificate
 * naming the addresses the gateway is reached at, which clients then trust
 * explicitly (curl --cacert, a browser exception). The key file is created
 * 0600 with O_EXCL, so an existing key is never replaced by accident. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static struct {
    char *cert;
    char *key;
} tls__pems[GW_TLS__COUNT];

static hik_err tls__read_pem(const char *path, char **out, char *err, size_t err_len)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(err, err_len, "tls: open %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return HIK_ERR_IO;
    }
    if (sb.st_size <= 0 || (size_t)sb.st_size > GW_TLS_MAX_PEM) {
        snprintf(err, err_len, "tls: %s: expected a PEM file of at most %u bytes", path,
                 GW_TLS_MAX_PEM);
        close(fd);
        return HIK_ERR_TOO_BIG;
    }
    char *buf = malloc((size_t)sb.st_size + 1);
    ssize_t n = buf ? read(fd, buf, (size_t)sb.st_size) : -1;
    close(fd);
    if (!buf)
        return HIK_ERR_NOMEM;
    buf[n > 0 ? n : 0] = '\0';
    if (n != sb.st_size || !strstr(buf, "-----BEGIN ")) {
        snprintf(err, err_len, "tls: %s: not a PEM file", path);
        free(buf);
        return HIK_ERR_PARSE;
    }
    *out = buf;
    return HIK_OK;
}

static void tls__wipe(char *pem)
{
    if (!pem)
        return;
    OPENSSL_cleanse(pem, strlen(pem));
    free(pem);
}

hik_err gw_tls_mhd_options(gw_tls_listener which, const char *cert_file, const char *key_file,
                           struct MHD_OptionItem *items, unsigned *flags, char *err, size_t err_len)
{
    items[0] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    if (!cert_file[0] && !key_file[0])
        return HIK_OK;
    if (!cert_file[0] || !key_file[0]) {
        snprintf(err, err_len, "tls: a certificate needs its key and a key its certificate");
        return HIK_ERR_INVALID;
    }
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        snprintf(err, err_len, "tls: this libmicrohttpd was built without TLS support");
        return HIK_ERR_UNSUPPORTED;
    }
    tls__wipe(tls__pems[which].key);
    free(tls__pems[which].cert);
    tls__pems[which].cert = tls__pems[which].key = NULL;
    hik_err res = tls__read_pem(cert_file, &tls__pems[which].cert, err, err_len);
    if (!res)
        res = tls__read_pem(key_file, &tls__pems[which].key, err, err_len);
    if (res)
        return res;
    items[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, tls__pems[which].cert};
    items[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, tls__pems[which].key};
    items[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    *flags |= MHD_USE_TLS;
    return HIK_OK;
}

void gw_tls_free(void)
{
    for (int i = 0; i < GW_TLS__COUNT; i++) {
        tls__wipe(tls__pems[i].key);
        free(tls__pems[i].cert);
        tls__pems[i].cert = tls__pems[i].key = NULL;
    }
}

/* "DNS:localhost,IP:127.0.0.1,..." from the comma-separated hosts. */
static bool tls__san(const char *hosts, char *out, size_t len)
{
    int n = snprintf(out, len, "DNS:localhost,IP:127.0.0.1");
    char list[1024];
    snprintf(list, sizeof list, "%s", hosts ? hosts : "");
    char *save = NULL;
    for (char *h = strtok_r(list, ", ", &save); h; h = strtok_r(NULL, ", ", &save)) {
        unsigned char a[16];
        if (!strcmp(h, "localhost") || !strcmp(h, "127.0.0.1") || !strcmp(h, "0.0.0.0") ||
            !strcmp(h, "::"))
            continue;
        bool ip = inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
        for (const char *p = h; *p; p++)
            if (!ip && !(*p == '-' || *p == '.' || (*p >= '0' && *p <= '9') ||
                         (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
                return false;
        n += snprintf(out + n, len - (size_t)n, ",%s:%s", ip ? "IP" : "DNS", h);
        if ((size_t)n >= len)
            return false;
    }
    return true;
}

static bool tls__add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    bool ok = ext && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static X509 *tls__self_signed(EVP_PKEY *pkey, const char *san)
{
    X509 *x = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    bool ok = x && X509_set_version(x, 2) == 1 && RAND_bytes(serial, sizeof serial) == 1;
    serial[0] &= 0x7f;
    if (ok && (bn = BN_bin2bn(serial, sizeof serial, NULL)) != NULL)
        ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
    ok = ok && name &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"hikgate", -1,
                                    -1, 0) == 1 &&
         X509_set_issuer_name(x, name) == 1 && X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
         X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600) &&
         X509_set_pubkey(x, pkey) == 1 && tls__add_ext(x, NID_subject_alt_name, san) &&
         tls__add_ext(x, NID_basic_constraints, "critical,CA:TRUE") &&
         tls__add_ext(x, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
         tls__add_ext(x, NID_ext_key_usage, "serverAuth") && X509_sign(x, pkey, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Write with fopen on an O_EXCL descriptor of the given mode. */
static FILE *tls__create(const char *path, mode_t mode, char *err, size_t err_len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, err_len, "tls: create %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    return f;
}

static hik_err tls__write_pair(const char *dir, EVP_PKEY *pkey, X509 *x, char *err, size_t err_len)
{
    char kpath[1100], cpath[1100];
    snprintf(kpath, sizeof kpath, "%s/key.pem", dir);
    snprintf(cpath, sizeof cpath, "%s/cert.pem", dir);
    FILE *kf = tls__create(kpath, 0600, err, err_len);
    if (!kf)
        return HIK_ERR_IO;
    bool ok = PEM_write_PrivateKey(kf, pkey, NULL, NULL, 0, NULL, NULL) == 1;
    ok = fflush(kf) == 0 && fsync(fileno(kf)) == 0 && ok;
    ok = fclose(kf) == 0 && ok;
    FILE *cf = ok ? fopen(cpath, "w") : NULL;
    ok = cf && PEM_write_X509(cf, x) == 1 && ok;
    if (cf)
        ok = fclose(cf) == 0 && ok;
    if (!ok) {
        snprintf(err, err_len, "tls: writing %s or %s failed", kpath, cpath);
        unlink(kpath);
        return HIK_ERR_IO;
    }
    return HIK_OK;
}

hik_err gw_tls_generate(const char *dir, const char *hosts, char *err, size_t err_len)
{
    char san[2048];
    if (!tls__san(hosts, san, sizeof san)) {
        snprintf(err, err_len, "tls: '%s' is not a list of addresses and host names", hosts);
        return HIK_ERR_INVALID;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "tls: mkdir %s: %s", dir, strerror(errno));
        return HIK_ERR_IO;
    }
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = pkey ? tls__self_signed(pkey, san) : NULL;
    hik_err res = HIK_ERR_IO;
    if (!x)
        snprintf(err, err_len, "tls: generating the key and certificate failed");
    else
        res = tls__write_pair(dir, pkey, x, err, err_len);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return res;
}
