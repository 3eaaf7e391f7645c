/* fuzz_sadp.c: SADP datagrams as a discovery scan (ProbeMatch) and as a
 * device (requests) reads them. Every string field stays NUL-terminated
 * within its field and nothing is read outside the datagram. */
#include <string.h>

#include "fuzz_check.h"
#include "hik/sadp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hik_sadp_device d;
    memset(&d, 0xA5, sizeof d);
    hik_err err = hik_sadp_parse_match(data, size, &d);
    FUZZ_CHECK(err != HIK_ERR_INVALID || size == 0);
    if (err == HIK_OK) {
        fuzz_check_str(d.uuid, sizeof d.uuid, "uuid");
        fuzz_check_str(d.types, sizeof d.types, "types");
        fuzz_check_str(d.device_type, sizeof d.device_type, "device type");
        /* a parsed device can be written back */
        char out[8192];
        size_t len = 0;
        FUZZ_CHECK(hik_sadp_build_match(&d, out, sizeof out, &len) != HIK_ERR_INVALID);
    }
    hik_sadp_request r;
    memset(&r, 0xA5, sizeof r);
    err = hik_sadp_parse_request(data, size, &r);
    FUZZ_CHECK(err != HIK_ERR_INVALID || size == 0);
    if (err == HIK_OK) {
        fuzz_check_str(r.uuid, sizeof r.uuid, "request uuid");
        fuzz_check_str(r.mac, sizeof r.mac, "request mac");
    }
    return 0;
}
