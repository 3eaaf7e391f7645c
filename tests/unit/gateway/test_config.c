/* Tests for src/gateway/config.c: precedence (file < environment < command
 * line), validation, and ADDR:PORT splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static void split_addr(void **state)
{
    char host[64];
    int port;
    assert_true(gw_config_split_addr("0.0.0.0:4000", host, sizeof host, &port));
    assert_string_equal(host, "0.0.0.0");
    assert_int_equal(port, 4000);
    assert_true(gw_config_split_addr("[::1]:8080", host, sizeof host, &port));
    assert_string_equal(host, "::1");
    assert_int_equal(port, 8080);
    assert_false(gw_config_split_addr("127.0.0.1", host, sizeof host, &port));
    assert_false(gw_config_split_addr(":80", host, sizeof host, &port));
    assert_false(gw_config_split_addr("h:99999", host, sizeof host, &port));
    assert_false(gw_config_split_addr("h:80x", host, sizeof host, &port));
    assert_false(gw_config_split_addr("[::1]8080", host, sizeof host, &port));
}

static void precedence(void **state)
{
    char path[] = "/tmp/hikgate-test-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# site settings\ningest = 127.0.0.1:4100\napi = 127.0.0.1:8100\n"
          "sync = normal\nlog-level = debug\n",
          f);
    fclose(f);
    setenv("HIKGATE_API", "127.0.0.1:8200", 1);
    gw_config cfg;
    gw_config_defaults(&cfg);
    char *argv[] = {"hikgated", "--config", path, "--log-level", "warn", NULL};
    assert_int_equal(gw_config_load(&cfg, 5, argv), 0);
    assert_string_equal(cfg.ingest_addr, "127.0.0.1:4100"); /* file */
    assert_string_equal(cfg.api_addr, "127.0.0.1:8200");    /* env beats file */
    assert_string_equal(cfg.log_level, "warn");             /* argv beats file */
    assert_false(cfg.sync_full);
    assert_string_equal(cfg.ingest_path, "/hik"); /* default */
    unsetenv("HIKGATE_API");
    unlink(path);
}

static void refusals(void **state)
{
    gw_config cfg;
    gw_config_defaults(&cfg);
    char *bad_addr[] = {"hikgated", "--ingest", "4000", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_addr), -1);
    char *bad_level[] = {"hikgated", "--log-level", "loud", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_level), -1);
    char *bad_body[] = {"hikgated", "--max-body", "12", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_body), -1);
    char *stray[] = {"hikgated", "extra", NULL};
    assert_int_equal(gw_config_load(&cfg, 2, stray), -1);
    char *missing[] = {"hikgated", "--config", "/nonexistent/hikgate.conf", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, missing), -1);
    char *path_ok[] = {"hikgated", "--ingest-path", "/events", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, path_ok), 0);
    assert_string_equal(cfg.ingest_path, "/events");
}

/* Camera configuration and live event state settings. */
static void autoconf_and_state_settings(void **state)
{
    gw_config cfg;
    gw_config_defaults(&cfg);
    assert_int_equal(cfg.state_max_keys, 4096);
    assert_int_equal(cfg.state_expiry_ms, 0); /* the built-in per-kind defaults */
    char *argv[] = {"hikgated",
                    "--advertise-addr",
                    "192.0.2.10",
                    "--state-expiry",
                    "2.5",
                    "--state-expiry-kind",
                    "motion=5,anpr=0.5",
                    "--state-max-keys",
                    "100",
                    NULL};
    assert_int_equal(gw_config_load(&cfg, 9, argv), 0);
    assert_string_equal(cfg.advertise_addr, "192.0.2.10");
    assert_int_equal(cfg.state_expiry_ms, 2500);
    assert_string_equal(cfg.state_expiry_kinds, "motion=5,anpr=0.5");
    assert_int_equal(cfg.state_max_keys, 100);
    char *bad_addr[] = {"hikgated", "--advertise-addr", "camera.local", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_addr), -1);
    char *bad_kind[] = {"hikgated", "--state-expiry-kind", "earthquake=5", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_kind), -1);
    char *bad_secs[] = {"hikgated", "--state-expiry-kind", "motion=-1", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_secs), -1);
    char *zero[] = {"hikgated", "--state-expiry", "0", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, zero), -1);
}

/* SADP targets: a list that a later layer replaces and that repeats add
 * to; addresses must be dotted IPv4. */
static void sadp_settings(void **state)
{
    gw_config cfg;
    gw_config_defaults(&cfg);
    assert_string_equal(cfg.sadp_interface, "0.0.0.0");
    assert_int_equal(cfg.n_sadp_targets, 1);
    assert_string_equal(cfg.sadp_targets[0], "239.255.255.250");
    assert_int_equal(cfg.sadp_port, 37020);
    setenv("HIKGATE_SADP_TARGET", "10.0.0.255, 10.0.1.255", 1);
    char *argv[] = {
        "hikgated",         "--sadp-target", "239.255.255.250", "--sadp-target", "255.255.255.255",
        "--sadp-interface", "127.0.0.1",     "--sadp-port",     "37021",         NULL};
    assert_int_equal(gw_config_load(&cfg, 9, argv), 0);
    assert_int_equal(cfg.n_sadp_targets, 2); /* argv replaced the environment's list */
    assert_string_equal(cfg.sadp_targets[0], "239.255.255.250");
    assert_string_equal(cfg.sadp_targets[1], "255.255.255.255");
    assert_string_equal(cfg.sadp_interface, "127.0.0.1");
    assert_int_equal(cfg.sadp_port, 37021);
    char *env_only[] = {"hikgated", NULL};
    gw_config_defaults(&cfg);
    assert_int_equal(gw_config_load(&cfg, 1, env_only), 0);
    assert_int_equal(cfg.n_sadp_targets, 2);
    assert_string_equal(cfg.sadp_targets[1], "10.0.1.255");
    unsetenv("HIKGATE_SADP_TARGET");
    char *bad_target[] = {"hikgated", "--sadp-target", "239.255.255", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_target), -1);
    char *bad_if[] = {"hikgated", "--sadp-interface", "eth0", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_if), -1);
    char *bad_port[] = {"hikgated", "--sadp-port", "0", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_port), -1);
}

/* Trusted sources, ingest limits and retention. */
static void security_settings(void **state)
{
    (void)state;
    gw_config cfg;
    gw_config_defaults(&cfg);
    assert_false(cfg.ingest_accept_any); /* declared devices only by default */
    assert_int_equal(cfg.ingest_auth, GW_INGEST_AUTH_NONE);
    assert_int_equal(cfg.ingest_timeout_s, 10);
    assert_int_equal(cfg.ingest_per_ip, 32);
    assert_int_equal(cfg.retention_days, 0);
    assert_int_equal(cfg.pictures_max_mb, 0);
    char *argv[] = {
        "hikgated", "--ingest-accept",   "any", "--ingest-auth",     "digest", "--ingest-user",
        "cam",      "--ingest-password", "pw",  "--ingest-timeout",  "3",      "--ingest-per-ip",
        "8",        "--retention-days",  "30",  "--pictures-max-mb", "512",    NULL};
    assert_int_equal(gw_config_load(&cfg, 17, argv), 0);
    assert_true(cfg.ingest_accept_any);
    assert_int_equal(cfg.ingest_auth, GW_INGEST_AUTH_DIGEST);
    assert_string_equal(cfg.ingest_user, "cam");
    assert_string_equal(cfg.ingest_password, "pw");
    assert_int_equal(cfg.ingest_timeout_s, 3);
    assert_int_equal(cfg.ingest_per_ip, 8);
    assert_int_equal(cfg.retention_days, 30);
    assert_int_equal(cfg.pictures_max_mb, 512);
    gw_config_defaults(&cfg);
    char *no_user[] = {"hikgated", "--ingest-auth", "basic", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, no_user), -1);
    char *bad_accept[] = {"hikgated", "--ingest-accept", "some", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_accept), -1);
    char *bad_auth[] = {"hikgated", "--ingest-auth", "ntlm", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_auth), -1);
    char *bad_timeout[] = {"hikgated", "--ingest-timeout", "0", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_timeout), -1);
    char *bad_days[] = {"hikgated", "--retention-days", "-1", NULL};
    assert_int_equal(gw_config_load(&cfg, 3, bad_days), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_addr),
        cmocka_unit_test(precedence),
        cmocka_unit_test(refusals),
        cmocka_unit_test(sadp_settings),
        cmocka_unit_test(autoconf_and_state_settings),
        cmocka_unit_test(security_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
