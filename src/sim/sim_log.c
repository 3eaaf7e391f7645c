/* sim_log.c: leveled log lines on stderr. stderr is also where the ready
 * line goes, so tests read both from one pipe. */
#include "sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static sim_log_level log__level = SIM_LOG_INFO;
static const char *const log__names[] = {"debug", "info", "warn", "error"};

void sim_log_set_level(sim_log_level level)
{
    log__level = level;
}

bool sim_log_parse_level(const char *name, sim_log_level *level)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, log__names[i]) == 0) {
            *level = (sim_log_level)i;
            return true;
        }
    }
    return false;
}

void sim_log(sim_log_level level, const char *fmt, ...)
{
    if (level < log__level)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* one fprintf per line so concurrent threads do not interleave */
    fprintf(stderr, "hiksim %s: %s\n", log__names[level], line);
}
