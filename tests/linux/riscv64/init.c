/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /init of the riscv64 Linux test guests (riscv-linux, riscv-linux-smp).
 * Freestanding, raw Linux syscalls: Debian has a riscv64 cross compiler but
 * no riscv64 libc installed by default, and an init this small needs none.
 *
 * Prints "RV-LINUX: ..." markers the board tests match: the CPU it runs on,
 * how many CPUs are online (/sys), the marker from the kernel command line
 * (rvtest=NAME), uptime at init, a timed sleep (the guest timer interrupt
 * and the hypervisor's WFI wake-up), a move to another CPU on SMP (the
 * scheduler's IPIs), the serial interrupts its own output took (8250 THRE
 * interrupts through the PLIC), then powers off (SBI SRST in Linux 6.1).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NR_mkdirat       34
#define NR_mount         40
#define NR_openat        56
#define NR_close         57
#define NR_read          63
#define NR_write         64
#define NR_exit          93
#define NR_nanosleep     101
#define NR_clock_gettime 113
#define NR_sched_setaff  122
#define NR_reboot        142
#define NR_getcpu        168

#define AT_FDCWD         (-100)
#define O_RDONLY         0
#define CLOCK_MONOTONIC  1
#define REBOOT_MAGIC1    0xfee1deadL
#define REBOOT_MAGIC2    672274793L
#define REBOOT_POWEROFF  0x4321fedcL

struct timespec64 {
	long sec, nsec;
};

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;
	register long a7 __asm__("a7") = n;

	__asm__ volatile("ecall"
	                 : "+r"(a0)
	                 : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7)
	                 : "memory");
	return a0;
}

#define sys(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void puts_(const char *s)
{
	sys(NR_write, 1, s, slen(s));
}

/* One "RV-LINUX: " line from up to three pieces (NULL pieces are left out). */
static void say(const char *a, const char *b, const char *c)
{
	char line[256];
	const char *parts[] = { "RV-LINUX: ", a, b, c };
	size_t n = 0;

	for (size_t i = 0; i < 4; i++) {
		for (const char *p = parts[i]; p && *p && n < sizeof(line) - 1; p++)
			line[n++] = *p;
	}
	line[n++] = '\n';
	sys(NR_write, 1, line, n);
}

static char *utoa(unsigned long v, char *buf /* >= 21 bytes */)
{
	char *p = buf + 20;

	*p = 0;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/* The file's first line (without the newline) into buf; "" if unreadable. */
static char *read_line(const char *path, char *buf, size_t size)
{
	long fd = sys6(NR_openat, AT_FDCWD, (long)path, O_RDONLY, 0, 0, 0);
	long n = 0;

	if (fd >= 0) {
		n = sys(NR_read, fd, buf, size - 1);
		sys(NR_close, fd, 0, 0);
	}
	if (n < 0)
		n = 0;
	buf[n] = 0;
	for (long i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			buf[i] = 0;
			break;
		}
	}
	return buf;
}

static unsigned long parse_uint(const char **s)
{
	unsigned long v = 0;

	while (**s >= '0' && **s <= '9')
		v = v * 10 + (unsigned long)(*(*s)++ - '0');
	return v;
}

/* Whether name occurs in [s, end). */
static bool contains(const char *s, const char *end, const char *name)
{
	size_t nlen = slen(name);

	for (; (size_t)(end - s) >= nlen; s++) {
		size_t i = 0;

		while (i < nlen && s[i] == name[i])
			i++;
		if (i == nlen)
			return true;
	}
	return false;
}

/* Interrupts of the /proc/interrupts line naming name, summed over the CPUs (0 if none). */
static unsigned long irq_count(const char *name)
{
	static char buf[8192];
	long fd = sys6(NR_openat, AT_FDCWD, (long)"/proc/interrupts", O_RDONLY, 0, 0, 0);
	long len = 0, n;

	if (fd < 0)
		return 0;
	while (len < (long)sizeof(buf) - 1 &&
	       (n = sys(NR_read, fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	sys(NR_close, fd, 0, 0);
	buf[len] = 0;
	for (const char *line = buf, *end; *line; line = *end ? end + 1 : end) {
		const char *q = line;
		unsigned long sum = 0;

		for (end = line; *end && *end != '\n'; end++)
			;
		if (!contains(line, end, name))
			continue;
		/* "  IRQ:  count-on-cpu0  count-on-cpu1  chip hwirq type  name" */
		while (q < end && *q != ':')
			q++;
		for (q++; q < end;) {
			while (*q == ' ')
				q++;
			if (*q < '0' || *q > '9')
				break;
			sum += parse_uint(&q);
		}
		return sum;
	}
	return 0;
}

/* CPUs in a sysfs list such as "0-1,3"; *last gets the highest. */
static unsigned long count_cpus(const char *s, unsigned long *last)
{
	unsigned long n = 0;

	while (*s >= '0' && *s <= '9') {
		unsigned long lo = parse_uint(&s), hi = lo;

		if (*s == '-') {
			s++;
			hi = parse_uint(&s);
		}
		n += hi - lo + 1;
		*last = hi;
		if (*s == ',')
			s++;
	}
	return n;
}

/* The value of "key=" on the command line, copied into out ("" if absent). */
static const char *cmdline_arg(const char *cmdline, const char *key, char *out, size_t size)
{
	size_t klen = slen(key), n = 0;

	for (const char *p = cmdline; *p; p++) {
		if (p == cmdline || p[-1] == ' ') {
			size_t i = 0;

			while (i < klen && p[i] == key[i])
				i++;
			if (i == klen) {
				for (p += klen; *p && *p != ' ' && n < size - 1; p++)
					out[n++] = *p;
				break;
			}
		}
	}
	out[n] = 0;
	return out;
}

static unsigned current_cpu(void)
{
	unsigned cpu = ~0u;

	sys(NR_getcpu, &cpu, 0, 0);
	return cpu;
}

static long mono_ms(void)
{
	struct timespec64 t = { 0, 0 };

	sys(NR_clock_gettime, CLOCK_MONOTONIC, &t, 0);
	return t.sec * 1000 + t.nsec / 1000000;
}

static void setup_fs(void)
{
	sys6(NR_mkdirat, AT_FDCWD, (long)"/proc", 0555, 0, 0, 0);
	sys6(NR_mkdirat, AT_FDCWD, (long)"/sys", 0555, 0, 0, 0);
	if (sys6(NR_mount, (long)"proc", (long)"/proc", (long)"proc", 0, 0, 0))
		say("mounting /proc failed", NULL, NULL);
	if (sys6(NR_mount, (long)"sysfs", (long)"/sys", (long)"sysfs", 0, 0, 0))
		say("mounting /sys failed", NULL, NULL);
}

void init_main(void);

void init_main(void)
{
	char buf[512], marker[64], num[21];
	unsigned long ncpus, last = 0;
	long t0, slept;

	puts_("\n");
	setup_fs();
	say("init on cpu ", utoa(current_cpu(), num), NULL);
	ncpus = count_cpus(read_line("/sys/devices/system/cpu/online", buf, sizeof(buf)), &last);
	say(utoa(ncpus, num), " cpus online: ", buf);
	cmdline_arg(read_line("/proc/cmdline", buf, sizeof(buf)), "rvtest=", marker,
	            sizeof(marker));
	say("marker ", marker[0] ? marker : "(none)", NULL);
	say("uptime at init ", read_line("/proc/uptime", buf, sizeof(buf)), NULL);

	/* A 100 ms sleep: the guest's timer interrupt must wake its idle CPU. */
	t0 = mono_ms();
	{
		struct timespec64 req = { 0, 100 * 1000000L };

		sys(NR_nanosleep, &req, 0, 0);
	}
	slept = mono_ms() - t0;
	say("slept ", utoa((unsigned long)slept, num), slept >= 100 ? " ms ok" : " ms SHORT");

	/* On SMP, move to another CPU: the migration needs the scheduler's IPIs. */
	if (ncpus > 1) {
		unsigned from = current_cpu(), to = from == last ? 0 : (unsigned)last;
		unsigned long mask = 1UL << to;

		if (sys(NR_sched_setaff, 0, sizeof(mask), &mask))
			say("sched_setaffinity failed", NULL, NULL);
		say("moved from cpu ", utoa(from, num), NULL);
		say("now on cpu ", utoa(current_cpu(), num),
		    current_cpu() == to ? " ok" : " FAILED");
	}
	/* The init's own output went through the tty layer: 8250 THRE interrupts via the PLIC. */
	say("uart interrupts ", utoa(irq_count("ttyS0"), num), NULL);
	say("done, powering off", NULL, NULL);
	sys6(NR_reboot, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_POWEROFF, 0, 0, 0);
	say("reboot(POWER_OFF) returned", NULL, NULL);
	for (;;)
		sys(NR_exit, 1, 0, 0); /* the kernel panics: init exited */
}

/* The kernel starts init with sp at argc; gp must hold __global_pointer$ for relaxed code. */
__asm__(".section .text._start,\"ax\"\n"
        ".global _start\n"
        "_start:\n"
        ".option push\n"
        ".option norelax\n"
        "	la gp, __global_pointer$\n"
        ".option pop\n"
        "	andi sp, sp, -16\n"
        "	call init_main\n"
        "1:	j 1b\n");
