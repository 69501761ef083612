/* SPDX-License-Identifier: BSD-3-Clause */
#include <hv/console.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/pcpu.h>
#include <hv/spinlock.h>

enum log_level log_threshold = LOG_INFO;

static struct spinlock console_lock = SPINLOCK_INIT;
static const char level_tag[LOG_LEVEL_MAX] = { 'E', 'W', 'I', 'D' };

static void write_locked(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			console_arch_putc('\r');
		console_arch_putc(s[i]);
	}
}

void console_write(const char *s, size_t len)
{
	spin_lock(&console_lock);
	write_locked(s, len);
	spin_unlock(&console_lock);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (level > log_threshold)
		return;
	n = snprintf(buf, sizeof(buf), "[hv%u %c] ", this_pcpu() ? this_pcpu()->id : 0,
	             level_tag[level]);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	console_write(buf, strlen(buf));
}
