/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm's log: one line per message on stderr, written with a single
 * write so lines from the ioreq, I/O and main threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include <dm/log.h>

static int log_level = DM_LOG_INFO;
static char log_prefix[32];

void dm_log_set_level(enum dm_log_level level)
{
	g_atomic_int_set(&log_level, (int)level);
}

void dm_log_set_prefix(const char *vm_name)
{
	/* Set once at startup, before other threads exist. */
	if (vm_name && vm_name[0])
		g_snprintf(log_prefix, sizeof(log_prefix), "%s: ", vm_name);
	else
		log_prefix[0] = '\0';
}

void dm_log(enum dm_log_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;
	int n;

	if ((int)level > g_atomic_int_get(&log_level))
		return;
	n = snprintf(line, sizeof(line), "acrn-dm: %s%s", log_prefix,
	             (unsigned)level < G_N_ELEMENTS(tag) ? tag[level] : "");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if ((size_t)n >= sizeof(line) - 1) {
		/* Truncated: keep the end marker so the line still ends. */
		n = sizeof(line) - 2;
		memcpy(line + n - 3, "...", 3);
	}
	if (n > 0 && line[n - 1] != '\n')
		line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* Nowhere left to report to. */
	}
}
