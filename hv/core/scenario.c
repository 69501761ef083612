/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario parser and validator (format: scenarios/README.md).
 *
 * The hypervisor runs this on a file it was handed as a boot module, so the
 * input is hostile: nothing here assumes NUL termination, every copy into a
 * fixed buffer is length-checked first, and there is no recursion and no
 * allocation. The host tool and the unit tests build this same file with
 * HV_HOSTED.
 *
 * Parsing stops at the first error. To leave *out untouched on failure
 * without holding a whole struct scenario on the (small) hypervisor stack,
 * the text is parsed twice: a validation pass that keeps only what the
 * cross-VM checks need, then, if that passed, a pass that stores each VM into
 * *out. Both passes run the same code on the same bytes, so the second cannot
 * fail.
 */
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/scenario.h>
#include <hv/types.h>

/* A slice of the input; never NUL-terminated. */
struct str {
	const char *s;
	size_t n;
};

#define NPOS ((size_t)-1)

enum section {
	SEC_NONE = 0,
	SEC_HV,
	SEC_VM,
};

enum key_id {
	KEY_SCHED,
	KEY_LOG_LEVEL,
	KEY_SHUTDOWN_WHEN_IDLE,
	KEY_LOAD_ORDER,
	KEY_CPUS,
	KEY_MEMORY,
	KEY_KERNEL,
	KEY_KERNEL_TYPE,
	KEY_LOAD_ADDR,
	KEY_INITRD,
	KEY_BOOTARGS,
	KEY_VUART,
	KEY_ON_TRIPLE_FAULT,
	KEY_TEST_DEVICE,
	NR_KEYS,
};

/* What the cross-VM checks need to know about a VM already parsed. */
struct vm_summary {
	char name[SCENARIO_NAME_LEN];
	unsigned line;
	unsigned load_order_line;
	unsigned cpus_line;
	enum vm_load_order load_order;
	uint64_t cpu_affinity;
};

struct parser {
	unsigned line; /* current line, 1-based */
	unsigned nr_pcpus;
	struct scenario *out; /* NULL in the validation pass */
	struct scenario_error *err;

	enum section section;
	unsigned section_line;
	unsigned key_line[NR_KEYS]; /* where each key of the current section was set */
	unsigned hv_line;           /* the [hv] header, 0 if none yet */

	enum sched_mode sched;
	uint8_t log_level;
	bool shutdown_when_idle;

	struct scenario_vm vm; /* the VM being parsed */
	unsigned nr_vms;
	struct vm_summary vms[SCENARIO_MAX_VMS];
};

/* ---- small string helpers (no NUL termination anywhere) ---- */

static struct str mkstr(const char *s, size_t n)
{
	struct str r = { s, n };

	return r;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static struct str trim(struct str v)
{
	while (v.n && is_space(v.s[0])) {
		v.s++;
		v.n--;
	}
	while (v.n && is_space(v.s[v.n - 1]))
		v.n--;
	return v;
}

static size_t find(struct str v, char c)
{
	for (size_t i = 0; i < v.n; i++)
		if (v.s[i] == c)
			return i;
	return NPOS;
}

static struct str head(struct str v, size_t n)
{
	return mkstr(v.s, n < v.n ? n : v.n);
}

static struct str tail(struct str v, size_t from)
{
	return from < v.n ? mkstr(v.s + from, v.n - from) : mkstr(v.s + v.n, 0);
}

static bool eq(struct str v, const char *lit)
{
	size_t n = strlen(lit);

	return v.n == n && memcmp(v.s, lit, n) == 0;
}

/* Copy a checked slice into a buffer that is known to be big enough. */
static void copy_str(char *dst, size_t size, struct str v)
{
	size_t n = v.n < size - 1 ? v.n : size - 1;

	memcpy(dst, v.s, n);
	dst[n] = '\0';
}

/*
 * Quote user input in messages: bounded (messages must stay readable and fit
 * struct scenario_error) and with anything unprintable replaced.
 */
#define QUOTE_MAX 32

struct qbuf {
	char b[QUOTE_MAX + 4];
};

static const char *quote(struct qbuf *q, struct str v)
{
	size_t n = v.n > QUOTE_MAX ? QUOTE_MAX : v.n;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v.s[i];

		q->b[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (v.n > QUOTE_MAX) {
		memcpy(q->b + i, "...", 3);
		i += 3;
	}
	q->b[i] = '\0';
	return q->b;
}

/* Decimal or hex (0x) rendering of a 64-bit number; lib.h printf is kept to %s/%u/%x. */
static const char *u64_str(char buf[24], uint64_t v, bool hex)
{
	char tmp[24];
	unsigned base = hex ? 16 : 10;
	size_t n = 0, i = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (hex) {
		buf[i++] = '0';
		buf[i++] = 'x';
	}
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return buf;
}

/* Sizes as the user would write them: the largest suffix that divides evenly. */
static const char *size_str(char buf[24], uint64_t v)
{
	static const char suffix[] = { 'G', 'M', 'K' };
	static const unsigned shift[] = { 30, 20, 10 };

	for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
		if (v && IS_ALIGNED(v, BIT(shift[i]))) {
			size_t n;

			u64_str(buf, v >> shift[i], false);
			n = strlen(buf);
			buf[n] = suffix[i];
			buf[n + 1] = '\0';
			return buf;
		}
	}
	return u64_str(buf, v, false);
}

/*
 * Optimal string alignment distance, case-insensitive, for "did you mean".
 * Words longer than the buffers simply get no suggestion.
 */
#define SUGGEST_MAX 40

static unsigned edit_distance(struct str a, const char *b)
{
	uint8_t rows[3][SUGGEST_MAX + 1]; /* distances are <= SUGGEST_MAX */
	size_t m = strlen(b);
	uint8_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	if (a.n > SUGGEST_MAX || m > SUGGEST_MAX)
		return ~0u;
	for (size_t j = 0; j <= m; j++)
		prev[j] = (uint8_t)j;
	for (size_t i = 1; i <= a.n; i++) {
		uint8_t *t;

		cur[0] = (uint8_t)i;
		for (size_t j = 1; j <= m; j++) {
			unsigned cost = to_lower(a.s[i - 1]) != to_lower(b[j - 1]);
			unsigned d = MIN(prev[j] + 1u, cur[j - 1] + 1u);

			d = MIN(d, prev[j - 1] + cost);
			if (i > 1 && j > 1 && to_lower(a.s[i - 1]) == to_lower(b[j - 2]) &&
			    to_lower(a.s[i - 2]) == to_lower(b[j - 1]))
				d = MIN(d, prev2[j - 2] + 1u);
			cur[j] = (uint8_t)d;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[m];
}

/* One is the start of the other ("error" / "err", "debugging" / "debug"). */
static bool prefix_related(struct str a, const char *b)
{
	size_t m = strlen(b), n = MIN(a.n, m);

	if (!a.n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (to_lower(a.s[i]) != to_lower(b[i]))
			return false;
	return true;
}

/* The closest of @names to @word if it is close enough to be a likely typo. */
static const char *suggest(struct str word, const char *const *names, size_t n)
{
	const char *best = NULL;
	unsigned best_d = ~0u;

	for (size_t i = 0; i < n; i++) {
		unsigned d = edit_distance(word, names[i]);
		unsigned limit = strlen(names[i]) <= 3 ? 1 : 2;

		if (d > limit && prefix_related(word, names[i]))
			d = limit;

		if (d <= limit && d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}

/* ---- errors ---- */

static int fail_at(struct parser *p, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (p->err) {
		p->err->line = line;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define fail(p, ...) fail_at(p, (p)->line, __VA_ARGS__)

/* ---- value parsers ---- */

/*
 * An unsigned decimal or 0x-hex number that fills @v exactly: 0, -EINVAL if
 * it is not a number, -ERANGE if it is one but does not fit 64 bits.
 */
static int parse_u64(struct str v, uint64_t *out)
{
	uint64_t x = 0;
	unsigned base = 10;
	bool overflow = false;
	size_t i = 0;

	if (v.n > 2 && v.s[0] == '0' && (v.s[1] == 'x' || v.s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == v.n)
		return -EINVAL;
	for (; i < v.n; i++) {
		char c = to_lower(v.s[i]);
		unsigned d;

		if (is_digit(c))
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return -EINVAL;
		if (x > (UINT64_MAX - d) / base)
			overflow = true;
		x = x * base + d;
	}
	if (overflow)
		return -ERANGE;
	*out = x;
	return 0;
}

struct choice {
	const char *name;
	int value;
};

static const struct choice sched_choices[] = {
	{ "partitioned", SCHED_PARTITIONED },
	{ "shared", SCHED_SHARED },
};

/* Indexed by enum log_level (hv/log.h). */
static const struct choice log_level_choices[] = {
	{ "err", 0 },
	{ "warn", 1 },
	{ "info", 2 },
	{ "debug", 3 },
};

static const struct choice yes_no_choices[] = {
	{ "yes", 1 },
	{ "no", 0 },
};

static const struct choice load_order_choices[] = {
	{ "PRE_LAUNCHED", LOAD_PRE_LAUNCHED },
	{ "SERVICE", LOAD_SERVICE },
	{ "POST_LAUNCHED", LOAD_POST_LAUNCHED },
};

static const struct choice kernel_type_choices[] = {
	{ "bzimage", KERNEL_BZIMAGE },
	{ "raw", KERNEL_RAW },
	{ "image", KERNEL_IMAGE },
	{ "bridge", KERNEL_BRIDGE },
};

static const struct choice triple_fault_choices[] = {
	{ "poweroff", TRIPLE_FAULT_POWEROFF },
	{ "reset", TRIPLE_FAULT_RESET },
};

static const char *choice_name(const struct choice *c, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].value == value)
			return c[i].name;
	return "?";
}

static int parse_choice(struct parser *p, const char *key, struct str v, const struct choice *c,
                        size_t n, int *out)
{
	const char *names[8];
	char list[96];
	size_t pos = 0;
	const char *hint;
	struct qbuf q;

	for (size_t i = 0; i < n; i++) {
		if (eq(v, c[i].name)) {
			*out = c[i].value;
			return 0;
		}
	}

	/* "a, b or c" */
	for (size_t i = 0; i < n && i < ARRAY_SIZE(names); i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";

		names[i] = c[i].name;
		pos += (size_t)snprintf(list + pos, sizeof(list) - pos, "%s%s", sep, c[i].name);
		if (pos >= sizeof(list))
			break;
	}
	hint = suggest(v, names, MIN(n, ARRAY_SIZE(names)));
	if (hint)
		return fail(p, "invalid %s '%s': expected %s; did you mean '%s'?", key,
		            quote(&q, v), list, hint);
	return fail(p, "invalid %s '%s': expected %s", key, quote(&q, v), list);
}

#define PARSE_CHOICE(p, key, v, choices, out) \
	parse_choice(p, key, v, choices, ARRAY_SIZE(choices), out)

/* ---- [hv] keys ---- */

static int set_sched(struct parser *p, struct str v)
{
	int x, r = PARSE_CHOICE(p, "sched", v, sched_choices, &x);

	if (!r)
		p->sched = (enum sched_mode)x;
	return r;
}

static int set_log_level(struct parser *p, struct str v)
{
	int x, r = PARSE_CHOICE(p, "log_level", v, log_level_choices, &x);

	if (!r)
		p->log_level = (uint8_t)x;
	return r;
}

static int set_shutdown_when_idle(struct parser *p, struct str v)
{
	int x, r = PARSE_CHOICE(p, "shutdown_when_idle", v, yes_no_choices, &x);

	if (!r)
		p->shutdown_when_idle = x;
	return r;
}

/* ---- [vm] keys ---- */

static int set_load_order(struct parser *p, struct str v)
{
	int x, r = PARSE_CHOICE(p, "load_order", v, load_order_choices, &x);

	if (!r)
		p->vm.load_order = (enum vm_load_order)x;
	return r;
}

static int set_kernel_type(struct parser *p, struct str v)
{
	int x, r = PARSE_CHOICE(p, "kernel_type", v, kernel_type_choices, &x);

	if (!r)
		p->vm.kernel_type = (enum kernel_type)x;
	return r;
}

static int set_on_triple_fault(struct parser *p, struct str v)
{
	int x, r = PARSE_CHOICE(p, "on_triple_fault", v, triple_fault_choices, &x);

	if (!r)
		p->vm.on_triple_fault = (enum triple_fault_action)x;
	return r;
}

static int set_test_device(struct parser *p, struct str v)
{
	int x, r = PARSE_CHOICE(p, "test_device", v, yes_no_choices, &x);

	if (!r)
		p->vm.test_device = x;
	return r;
}

/* One pCPU number of a cpus list, range-checked against the board. */
static int parse_pcpu(struct parser *p, struct str cpus, struct str v, unsigned *out)
{
	uint64_t x;
	struct qbuf q, q2;

	if (!v.n)
		goto bad;
	for (size_t i = 0; i < v.n; i++)
		if (!is_digit(v.s[i]))
			goto bad;
	if (parse_u64(v, &x) || x >= SCENARIO_MAX_PCPUS)
		goto too_big;
	if (p->nr_pcpus && x >= p->nr_pcpus)
		return fail(p, "pCPU %u does not exist (board has %u)", (unsigned)x, p->nr_pcpus);
	*out = (unsigned)x;
	return 0;
too_big:
	return fail(p, "pCPU %s is out of range (at most %u)", quote(&q, v),
	            SCENARIO_MAX_PCPUS - 1);
bad:
	return fail(p, "invalid cpus '%s': '%s' is not a pCPU number (expected e.g. 1, 0,2 or 1-3)",
	            quote(&q, cpus), quote(&q2, v));
}

static int set_cpus(struct parser *p, struct str v)
{
	uint64_t mask = 0;
	unsigned count = 0;
	int last = -1;
	struct str rest = v;
	struct qbuf q, q2;

	for (;;) {
		size_t comma = find(rest, ',');
		struct str item = trim(head(rest, comma));
		size_t dash = find(item, '-');
		unsigned first, lastcpu;
		int r;

		if (!item.n)
			return fail(p, "invalid cpus '%s': empty list entry", quote(&q, v));
		if (dash == NPOS) {
			r = parse_pcpu(p, v, item, &first);
			lastcpu = first;
		} else {
			r = parse_pcpu(p, v, trim(head(item, dash)), &first);
			if (!r)
				r = parse_pcpu(p, v, trim(tail(item, dash + 1)), &lastcpu);
			if (!r && lastcpu < first)
				return fail(p, "invalid cpus '%s': range '%s' is backwards",
				            quote(&q, v), quote(&q2, item));
		}
		if (r)
			return r;
		for (unsigned c = first; c <= lastcpu; c++) {
			if (mask & BIT(c))
				return fail(p, "pCPU %u is listed twice in cpus", c);
			/* The bitmap cannot keep an order, so the text must not claim one. */
			if ((int)c < last)
				return fail(
				        p,
				        "cpus must be in ascending order (vCPU i runs on the i-th "
				        "lowest pCPU): %u comes after %d",
				        c, last);
			mask |= BIT(c);
			last = (int)c;
			count++;
		}
		if (comma == NPOS)
			break;
		rest = tail(rest, comma + 1);
	}
	if (count > SCENARIO_MAX_VCPUS)
		return fail(p, "%u vCPUs is too many (at most %u per VM)", count,
		            SCENARIO_MAX_VCPUS);
	p->vm.cpu_affinity = mask;
	p->vm.nr_vcpus = (uint8_t)count;
	return 0;
}

static int set_memory(struct parser *p, struct str v)
{
	struct str num = v;
	unsigned shift = 0;
	uint64_t x;
	int r;
	char b[24];
	struct qbuf q;

	if (v.n) {
		switch (v.s[v.n - 1]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		}
	}
	if (shift)
		num.n--;
	r = parse_u64(trim(num), &x);
	if (r == -EINVAL)
		return fail(p, "invalid memory '%s': expected a size like 256M (suffix K, M or G)",
		            quote(&q, v));
	if (r || x > (SCENARIO_MAX_MEMORY >> shift))
		goto too_big;
	x <<= shift;
	if (x < SCENARIO_MIN_MEMORY)
		return fail(p, "memory '%s' is too small (at least 2 MiB)", quote(&q, v));
	if (!IS_ALIGNED(x, MiB(2)))
		return fail(p, "memory '%s' is not a multiple of 2 MiB", quote(&q, v));
	p->vm.memory_size = x;
	return 0;
too_big:
	return fail(p, "memory '%s' is too large (at most %s: RAM must end below 0xfeb00000)",
	            quote(&q, v), size_str(b, SCENARIO_MAX_MEMORY));
}

/* Boot module names are file names the launcher passes as multiboot modules. */
static int check_module_name(struct parser *p, const char *key, struct str v)
{
	struct qbuf q;

	if (v.n >= SCENARIO_MODULE_LEN)
		return fail(p, "%s '%s' is too long (at most %u characters)", key, quote(&q, v),
		            SCENARIO_MODULE_LEN - 1);
	for (size_t i = 0; i < v.n; i++) {
		char c = v.s[i];

		if (c == '/' || c == '\\')
			return fail(p, "%s '%s' must be a module (file) name, not a path", key,
			            quote(&q, v));
		if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '_' && c != '-' && c != '+')
			goto bad;
	}
	if (v.s[0] == '.' || v.s[0] == '-')
		goto bad;
	return 0;
bad:
	return fail(
	        p,
	        "invalid %s '%s': use letters, digits, '.', '_', '-', '+' (no leading '.' or '-')",
	        key, quote(&q, v));
}

static int set_kernel(struct parser *p, struct str v)
{
	int r = check_module_name(p, "kernel", v);

	if (!r) {
		copy_str(p->vm.kernel_mod, sizeof(p->vm.kernel_mod), v);
		p->vm.kernel_line = p->line;
	}
	return r;
}

static int set_initrd(struct parser *p, struct str v)
{
	int r = check_module_name(p, "initrd", v);

	if (!r) {
		copy_str(p->vm.initrd_mod, sizeof(p->vm.initrd_mod), v);
		p->vm.initrd_line = p->line;
	}
	return r;
}

static int set_bootargs(struct parser *p, struct str v)
{
	if (v.n >= SCENARIO_BOOTARGS_LEN)
		return fail(p, "bootargs is %u bytes long (at most %u)",
		            v.n > 0xffffffffu ? 0xffffffffu : (unsigned)v.n,
		            SCENARIO_BOOTARGS_LEN - 1);
	for (size_t i = 0; i < v.n; i++) {
		unsigned char c = (unsigned char)v.s[i];

		if (c < 0x20 || c >= 0x7f)
			return fail(p, "bootargs must be printable ASCII (byte 0x%x at offset %u)",
			            c, (unsigned)i);
	}
	copy_str(p->vm.bootargs, sizeof(p->vm.bootargs), v);
	return 0;
}

static int set_load_addr(struct parser *p, struct str v)
{
	struct qbuf q;

	int r = parse_u64(v, &p->vm.load_addr);

	if (r == -ERANGE)
		return fail(p, "load_addr '%s' is too large", quote(&q, v));
	if (r)
		return fail(p, "invalid load_addr '%s': expected an address like 0x100000",
		            quote(&q, v));
	return 0;
}

static int set_vuart(struct parser *p, struct str v)
{
	size_t comma = find(v, ',');
	uint64_t port, irq;
	int rp, ri;
	struct qbuf q;

	if (eq(v, "none")) {
		p->vm.vuart.enabled = false;
		p->vm.vuart.port_base = 0;
		p->vm.vuart.irq = 0;
		return 0;
	}
	if (comma == NPOS)
		goto bad;
	rp = parse_u64(trim(head(v, comma)), &port);
	ri = parse_u64(trim(tail(v, comma + 1)), &irq);
	if (rp == -EINVAL || ri == -EINVAL)
		goto bad;
	if (rp || port < 0x100 || port > 0xfff8)
		return fail(p, "vuart port %s is out of range (0x100-0xfff8)",
		            quote(&q, trim(head(v, comma))));
	if (!IS_ALIGNED(port, 8))
		return fail(p, "vuart port 0x%x is not a multiple of 8", (unsigned)port);
	if (port == 0x400)
		return fail(p,
		            "vuart ports 0x400-0x407 overlap the ACPI sleep registers 0x400-0x401");
	if (port == 0xcf8)
		return fail(p, "vuart ports 0xcf8-0xcff overlap the reset register 0xcf9");
	if (ri || irq >= 24)
		return fail(p, "vuart IRQ %s is out of range (IOAPIC pins 0-23)",
		            quote(&q, trim(tail(v, comma + 1))));
	p->vm.vuart.enabled = true;
	p->vm.vuart.port_base = (uint16_t)port;
	p->vm.vuart.irq = (uint8_t)irq;
	return 0;
bad:
	return fail(p, "invalid vuart '%s': expected PORT,IRQ (e.g. 0x3f8,4) or none",
	            quote(&q, v));
}

/* ---- keys and sections ---- */

struct key_desc {
	const char *name;
	enum section section;
	bool rest_of_line; /* value is the whole rest of the line, no inline comment */
	int (*set)(struct parser *p, struct str v);
};

static const struct key_desc keys[NR_KEYS] = {
	[KEY_SCHED] = { "sched", SEC_HV, false, set_sched },
	[KEY_LOG_LEVEL] = { "log_level", SEC_HV, false, set_log_level },
	[KEY_SHUTDOWN_WHEN_IDLE] = { "shutdown_when_idle", SEC_HV, false, set_shutdown_when_idle },
	[KEY_LOAD_ORDER] = { "load_order", SEC_VM, false, set_load_order },
	[KEY_CPUS] = { "cpus", SEC_VM, false, set_cpus },
	[KEY_MEMORY] = { "memory", SEC_VM, false, set_memory },
	[KEY_KERNEL] = { "kernel", SEC_VM, false, set_kernel },
	[KEY_KERNEL_TYPE] = { "kernel_type", SEC_VM, false, set_kernel_type },
	[KEY_LOAD_ADDR] = { "load_addr", SEC_VM, false, set_load_addr },
	[KEY_INITRD] = { "initrd", SEC_VM, false, set_initrd },
	[KEY_BOOTARGS] = { "bootargs", SEC_VM, true, set_bootargs },
	[KEY_VUART] = { "vuart", SEC_VM, false, set_vuart },
	[KEY_ON_TRIPLE_FAULT] = { "on_triple_fault", SEC_VM, false, set_on_triple_fault },
	[KEY_TEST_DEVICE] = { "test_device", SEC_VM, false, set_test_device },
};

/* "[hv]" or "[vm NAME]" for messages. */
static const char *section_label(struct parser *p, char buf[48])
{
	if (p->section == SEC_HV)
		return "[hv]";
	snprintf(buf, 48, "[vm %s]", p->vm.name);
	return buf;
}

static int unknown_key(struct parser *p, struct str key)
{
	const char *names[NR_KEYS];
	size_t n = 0;
	const char *hint;
	char label[48];
	struct qbuf q;

	for (size_t i = 0; i < NR_KEYS; i++) {
		if (!eq(key, keys[i].name))
			continue;
		/* A real key, just in the wrong section. */
		if (keys[i].section == SEC_VM)
			return fail(p, "key '%s' belongs in a [vm NAME] section, not in [hv]",
			            keys[i].name);
		return fail(p, "key '%s' belongs in the [hv] section, not in %s", keys[i].name,
		            section_label(p, label));
	}
	for (size_t i = 0; i < NR_KEYS; i++)
		if (keys[i].section == p->section)
			names[n++] = keys[i].name;
	hint = suggest(key, names, n);
	if (hint)
		return fail(p, "unknown key '%s' in %s; did you mean '%s'?", quote(&q, key),
		            section_label(p, label), hint);
	return fail(p, "unknown key '%s' in %s", quote(&q, key), section_label(p, label));
}

static bool valid_vm_name_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

/*
 * A bridge Service VM is played by the host (api/bridge.md): no kernel, no
 * vCPUs; its one pCPU takes the bridge's doorbell and runs its hypercalls.
 */
static int finish_bridge_vm(struct parser *p)
{
	static const enum key_id no_keys[] = { KEY_KERNEL,     KEY_LOAD_ADDR, KEY_INITRD,
		                               KEY_BOOTARGS,   KEY_VUART,     KEY_ON_TRIPLE_FAULT,
		                               KEY_TEST_DEVICE };
	struct scenario_vm *vm = &p->vm;
	const unsigned *kl = p->key_line;

	if (vm->load_order != LOAD_SERVICE)
		return fail_at(p, kl[KEY_KERNEL_TYPE],
		               "vm %s: kernel_type = bridge is only for the SERVICE VM", vm->name);
	for (size_t i = 0; i < ARRAY_SIZE(no_keys); i++)
		if (kl[no_keys[i]])
			return fail_at(
			        p, kl[no_keys[i]],
			        "vm %s: a bridge Service VM (played by the host) must not set "
			        "'%s'",
			        vm->name, keys[no_keys[i]].name);
	if (vm->nr_vcpus != 1)
		return fail_at(p, kl[KEY_CPUS],
		               "vm %s: a bridge Service VM takes exactly one pCPU (for its "
		               "doorbell), not %u",
		               vm->name, vm->nr_vcpus);
	if (vm->memory_size < 2 * MiB(2))
		return fail_at(p, kl[KEY_MEMORY],
		               "vm %s: a bridge Service VM needs at least 4M (2M for the bridge "
		               "itself)",
		               vm->name);
	/* It has no vCPU: the pCPU is the bridge's, and no vUART is emulated. */
	vm->nr_vcpus = 0;
	vm->vuart.enabled = false;
	return 0;
}

static int finish_vm(struct parser *p)
{
	static const enum key_id required[] = { KEY_LOAD_ORDER, KEY_CPUS, KEY_MEMORY };
	static const enum key_id kernel_keys[] = { KEY_KERNEL, KEY_KERNEL_TYPE, KEY_LOAD_ADDR,
		                                   KEY_INITRD, KEY_BOOTARGS };
	struct scenario_vm *vm = &p->vm;
	const unsigned *kl = p->key_line;
	struct vm_summary *s;
	char b[24], b2[24];

	for (size_t i = 0; i < ARRAY_SIZE(required); i++)
		if (!kl[required[i]])
			return fail_at(p, p->section_line, "vm %s: missing required key '%s'",
			               vm->name, keys[required[i]].name);

	if (vm->load_order == LOAD_POST_LAUNCHED) {
		/* acrn-dm emulates its UART; the hypervisor's only when the scenario asks. */
		if (!kl[KEY_VUART])
			vm->vuart = (struct scenario_vuart){ .enabled = false };
		/* The service VM's device model supplies everything about the kernel. */
		for (size_t i = 0; i < ARRAY_SIZE(kernel_keys); i++) {
			enum key_id k = kernel_keys[i];

			if (!kl[k])
				continue;
			if (k == KEY_KERNEL)
				return fail_at(p, kl[k],
				               "post-launched VM '%s' must not name a kernel (its "
				               "device model loads it)",
				               vm->name);
			return fail_at(p, kl[k], "post-launched VM '%s' must not set '%s'",
			               vm->name, keys[k].name);
		}
	} else if (vm->kernel_type == KERNEL_BRIDGE) {
		int r = finish_bridge_vm(p);

		if (r)
			return r;
	} else {
		if (!kl[KEY_KERNEL])
			return fail_at(p, p->section_line, "vm %s: %s VM needs a kernel", vm->name,
			               vm->load_order == LOAD_SERVICE ? "service" : "pre-launched");
		if (vm->kernel_type == KERNEL_RAW) {
			if (kl[KEY_INITRD])
				return fail_at(p, kl[KEY_INITRD],
				               "vm %s: initrd needs kernel_type = bzimage",
				               vm->name);
			if (kl[KEY_BOOTARGS])
				return fail_at(p, kl[KEY_BOOTARGS],
				               "vm %s: bootargs needs kernel_type = bzimage",
				               vm->name);
			if (!kl[KEY_LOAD_ADDR])
				return fail_at(p, kl[KEY_KERNEL_TYPE],
				               "vm %s: kernel_type = raw needs load_addr",
				               vm->name);
			if (vm->load_addr >= vm->memory_size)
				return fail_at(p, kl[KEY_LOAD_ADDR],
				               "vm %s: load_addr %s is outside the VM's %s of RAM",
				               vm->name, u64_str(b, vm->load_addr, true),
				               size_str(b2, vm->memory_size));
			if (vm->load_addr >= 0xe0000 && vm->load_addr < 0x100000)
				return fail_at(p, kl[KEY_LOAD_ADDR],
				               "vm %s: load_addr %s is inside the ACPI table area "
				               "0xe0000-0xfffff",
				               vm->name, u64_str(b, vm->load_addr, true));
		} else if (kl[KEY_LOAD_ADDR]) {
			return fail_at(p, kl[KEY_LOAD_ADDR],
			               "vm %s: load_addr needs kernel_type = raw (bzImage kernels "
			               "are placed by the boot protocol)",
			               vm->name);
		}
		if (kl[KEY_INITRD] && strcmp(vm->kernel_mod, vm->initrd_mod) == 0)
			return fail_at(p, kl[KEY_INITRD],
			               "vm %s: initrd and kernel are the same module '%s'",
			               vm->name, vm->initrd_mod);
	}

	if (vm->load_order == LOAD_SERVICE) {
		for (unsigned i = 0; i < p->nr_vms; i++)
			if (p->vms[i].load_order == LOAD_SERVICE)
				return fail_at(
				        p, kl[KEY_LOAD_ORDER],
				        "vm %s: only one SERVICE VM is allowed (vm %s is one)",
				        vm->name, p->vms[i].name);
	}

	s = &p->vms[p->nr_vms];
	memcpy(s->name, vm->name, sizeof(s->name));
	s->line = p->section_line;
	s->load_order_line = kl[KEY_LOAD_ORDER];
	s->cpus_line = kl[KEY_CPUS];
	s->load_order = vm->load_order;
	s->cpu_affinity = vm->cpu_affinity;
	if (p->out)
		memcpy(&p->out->vms[p->nr_vms], vm, sizeof(*vm));
	p->nr_vms++;
	return 0;
}

static int end_section(struct parser *p)
{
	int r = 0;

	if (p->section == SEC_VM)
		r = finish_vm(p);
	p->section = SEC_NONE;
	memset(p->key_line, 0, sizeof(p->key_line));
	return r;
}

static int start_vm(struct parser *p, struct str name)
{
	struct scenario_vm *vm = &p->vm;
	struct qbuf q;

	if (name.n >= SCENARIO_NAME_LEN)
		return fail(p, "VM name '%s' is too long (at most %u characters)", quote(&q, name),
		            SCENARIO_NAME_LEN - 1);
	for (size_t i = 0; i < name.n; i++)
		if (!valid_vm_name_char(name.s[i]))
			return fail(p, "invalid VM name '%s': use letters, digits, '_' and '-'",
			            quote(&q, name));
	for (unsigned i = 0; i < p->nr_vms; i++)
		if (eq(name, p->vms[i].name))
			return fail(p, "duplicate VM name '%s' (first defined on line %u)",
			            p->vms[i].name, p->vms[i].line);
	if (p->nr_vms >= SCENARIO_MAX_VMS)
		return fail(p, "too many VMs: at most %u", SCENARIO_MAX_VMS);

	memset(vm, 0, sizeof(*vm));
	copy_str(vm->name, sizeof(vm->name), name);
	vm->line = p->line;
	vm->kernel_type = KERNEL_BZIMAGE;
	vm->vuart.enabled = true;
	vm->vuart.port_base = SCENARIO_DEFAULT_VUART_PORT;
	vm->vuart.irq = SCENARIO_DEFAULT_VUART_IRQ;
	vm->on_triple_fault = TRIPLE_FAULT_POWEROFF;
	p->section = SEC_VM;
	p->section_line = p->line;
	return 0;
}

/* @l is trimmed and starts with '['. */
static int parse_section(struct parser *p, struct str l)
{
	size_t close = find(l, ']');
	struct str inner, rest, word, name;
	size_t ws;
	struct qbuf q;
	int r;

	if (close == NPOS)
		return fail(p, "missing ']' in section header");
	rest = trim(tail(l, close + 1));
	if (rest.n && rest.s[0] != '#' && rest.s[0] != ';')
		return fail(p, "unexpected '%s' after ']'", quote(&q, rest));

	r = end_section(p);
	if (r)
		return r;

	inner = trim(mkstr(l.s + 1, close - 1));
	ws = 0;
	while (ws < inner.n && !is_space(inner.s[ws]))
		ws++;
	word = head(inner, ws);
	name = trim(tail(inner, ws));

	if (eq(word, "hv")) {
		if (name.n)
			return fail(p, "[hv] takes no name");
		if (p->hv_line)
			return fail(p, "duplicate [hv] section (first on line %u)", p->hv_line);
		p->hv_line = p->line;
		p->section = SEC_HV;
		p->section_line = p->line;
		return 0;
	}
	if (eq(word, "vm")) {
		if (!name.n)
			return fail(p, "[vm] needs a name, e.g. [vm linux0]");
		return start_vm(p, name);
	}
	if (!inner.n)
		return fail(p, "empty section header '[]'");
	return fail(p, "unknown section '[%s]': expected [hv] or [vm NAME]", quote(&q, inner));
}

/* Drop an inline comment: '#' or ';' at the start or after whitespace. */
static struct str strip_comment(struct str v)
{
	for (size_t i = 0; i < v.n; i++)
		if ((v.s[i] == '#' || v.s[i] == ';') && (i == 0 || is_space(v.s[i - 1])))
			return head(v, i);
	return v;
}

static int parse_key_value(struct parser *p, struct str l)
{
	size_t eqpos = find(l, '=');
	struct str key, value;
	enum key_id id;
	struct qbuf q;

	if (eqpos == NPOS)
		return fail(p, "missing '=' in '%s': expected 'key = value' or '[section]'",
		            quote(&q, trim(strip_comment(l))));
	key = trim(head(l, eqpos));
	if (!key.n)
		return fail(p, "missing key before '='");
	for (size_t i = 0; i < key.n; i++)
		if (!is_alpha(key.s[i]) && !is_digit(key.s[i]) && key.s[i] != '_' &&
		    key.s[i] != '-')
			return fail(p, "invalid key '%s'", quote(&q, key));
	if (p->section == SEC_NONE)
		return fail(p, "key '%s' is outside any section; start with [hv] or [vm NAME]",
		            quote(&q, key));

	for (id = 0; id < NR_KEYS; id++)
		if (keys[id].section == p->section && eq(key, keys[id].name))
			break;
	if (id == NR_KEYS)
		return unknown_key(p, key);
	if (p->key_line[id]) {
		char label[48];

		return fail(p, "duplicate key '%s' in %s (first set on line %u)", keys[id].name,
		            section_label(p, label), p->key_line[id]);
	}

	value = tail(l, eqpos + 1);
	if (!keys[id].rest_of_line)
		value = strip_comment(value);
	value = trim(value);
	if (!value.n && !keys[id].rest_of_line)
		return fail(p, "missing value for '%s'", keys[id].name);
	p->key_line[id] = p->line;
	return keys[id].set(p, value);
}

/* Reject what a text editor would not show: NUL, control characters, bad UTF-8. */
static int check_bytes(struct parser *p, struct str l)
{
	size_t i = 0;

	while (i < l.n) {
		unsigned char c = (unsigned char)l.s[i];
		uint32_t cp, min;
		size_t need;

		if (c == 0)
			return fail(p, "NUL byte at column %u (not a text file?)",
			            (unsigned)(i + 1));
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, "control character 0x%x at column %u", c, (unsigned)(i + 1));
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			need = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			goto bad;
		}
		if (l.n - i <= need)
			goto bad;
		for (size_t k = 1; k <= need; k++) {
			unsigned char cc = (unsigned char)l.s[i + k];

			if ((cc & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (cc & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += need + 1;
	}
	return 0;
bad:
	return fail(p, "invalid UTF-8 at column %u", (unsigned)(i + 1));
}

static int finish(struct parser *p)
{
	int r = end_section(p);

	if (r)
		return r;
	if (!p->nr_vms)
		return fail_at(p, 0, "no VMs: a scenario needs at least one [vm NAME] section");

	if (p->sched == SCHED_PARTITIONED) {
		for (unsigned j = 1; j < p->nr_vms; j++) {
			for (unsigned i = 0; i < j; i++) {
				uint64_t both = p->vms[i].cpu_affinity & p->vms[j].cpu_affinity;
				unsigned cpu = 0;

				if (!both)
					continue;
				while (!(both & BIT(cpu)))
					cpu++;
				return fail_at(
				        p, p->vms[j].cpus_line,
				        "vm %s: pCPU %u already used by vm %s in partitioned "
				        "mode",
				        p->vms[j].name, cpu, p->vms[i].name);
			}
		}
	}

	for (unsigned i = 0; i < p->nr_vms; i++) {
		bool service = false;

		if (p->vms[i].load_order != LOAD_POST_LAUNCHED)
			continue;
		for (unsigned j = 0; j < p->nr_vms; j++)
			service |= p->vms[j].load_order == LOAD_SERVICE;
		if (!service)
			return fail_at(p, p->vms[i].load_order_line,
			               "vm %s: post-launched VM needs a SERVICE VM to launch it",
			               p->vms[i].name);
	}

	if (p->out) {
		p->out->sched = p->sched;
		p->out->log_level = p->log_level;
		p->out->shutdown_when_idle = p->shutdown_when_idle;
		p->out->nr_vms = (uint8_t)p->nr_vms;
	}
	return 0;
}

static int run(struct parser *p, const char *text, size_t len)
{
	size_t pos = 0;
	int r;

	/* Some editors start UTF-8 files with a byte order mark. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;

	while (pos < len) {
		struct str l = mkstr(text + pos, 0);

		while (pos < len && text[pos] != '\n') {
			pos++;
			l.n++;
		}
		pos++; /* the '\n', or past the end */
		if (p->line < ~0u)
			p->line++;
		if (l.n && l.s[l.n - 1] == '\r')
			l.n--;

		r = check_bytes(p, l);
		if (r)
			return r;
		l = trim(l);
		if (!l.n || l.s[0] == '#' || l.s[0] == ';')
			continue;
		r = l.s[0] == '[' ? parse_section(p, l) : parse_key_value(p, l);
		if (r)
			return r;
	}
	return finish(p);
}

static void parser_init(struct parser *p, unsigned nr_pcpus, struct scenario *out,
                        struct scenario_error *err)
{
	memset(p, 0, sizeof(*p));
	p->nr_pcpus = nr_pcpus;
	p->out = out;
	p->err = err;
	p->sched = SCHED_PARTITIONED;
	p->log_level = 2; /* info */
	p->shutdown_when_idle = false;
}

int scenario_parse(const char *text, size_t len, unsigned nr_pcpus, struct scenario *out,
                   struct scenario_error *err)
{
	struct parser p;
	int r;

	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	if (!out || (!text && len)) {
		parser_init(&p, nr_pcpus, NULL, err);
		return fail_at(&p, 0, "invalid arguments");
	}
	if (!text)
		text = "";

	parser_init(&p, nr_pcpus, NULL, err);
	r = run(&p, text, len);
	if (r)
		return r;

	memset(out, 0, sizeof(*out));
	parser_init(&p, nr_pcpus, out, NULL);
	return run(&p, text, len);
}

/* ---- output ---- */

struct writer {
	char *buf;
	size_t size;
	size_t pos;
};

static void put(struct writer *w, const char *s)
{
	for (; *s; s++) {
		if (w->pos + 1 < w->size)
			w->buf[w->pos] = *s;
		w->pos++;
	}
}

static void put_kv(struct writer *w, const char *key, const char *value)
{
	put(w, key);
	put(w, " = ");
	put(w, value);
	put(w, "\n");
}

/* "0-2,5": ranges of three or more pCPUs collapse. */
static void put_cpus(struct writer *w, uint64_t mask)
{
	char b[24];
	bool first = true;

	for (unsigned c = 0; c < SCENARIO_MAX_PCPUS; c++) {
		unsigned end = c;

		if (!(mask & BIT(c)))
			continue;
		while (end + 1 < SCENARIO_MAX_PCPUS && (mask & BIT(end + 1)))
			end++;
		if (!first)
			put(w, ",");
		first = false;
		put(w, u64_str(b, c, false));
		if (end == c + 1) {
			put(w, ",");
			put(w, u64_str(b, end, false));
		} else if (end > c + 1) {
			put(w, "-");
			put(w, u64_str(b, end, false));
		}
		c = end;
	}
}

size_t scenario_format(const struct scenario *sc, char *buf, size_t size)
{
	struct writer w = { buf, size, 0 };
	char b[24];

	put(&w, "[hv]\n");
	put_kv(&w, "sched", scenario_sched_name(sc->sched));
	put_kv(&w, "log_level", scenario_log_level_name(sc->log_level));
	put_kv(&w, "shutdown_when_idle", sc->shutdown_when_idle ? "yes" : "no");

	for (unsigned i = 0; i < sc->nr_vms && i < SCENARIO_MAX_VMS; i++) {
		const struct scenario_vm *vm = &sc->vms[i];

		put(&w, "\n[vm ");
		put(&w, vm->name);
		put(&w, "]\n");
		put_kv(&w, "load_order", scenario_load_order_name(vm->load_order));
		put(&w, "cpus = ");
		put_cpus(&w, vm->cpu_affinity);
		put(&w, "\n");
		put_kv(&w, "memory", size_str(b, vm->memory_size));
		if (vm->kernel_type == KERNEL_BRIDGE) {
			put_kv(&w, "kernel_type", scenario_kernel_type_name(vm->kernel_type));
			continue; /* nothing else applies to a VM the host plays */
		}
		if (vm->load_order != LOAD_POST_LAUNCHED) {
			put_kv(&w, "kernel", vm->kernel_mod);
			put_kv(&w, "kernel_type", scenario_kernel_type_name(vm->kernel_type));
			if (vm->kernel_type == KERNEL_RAW)
				put_kv(&w, "load_addr", u64_str(b, vm->load_addr, true));
			if (vm->initrd_mod[0])
				put_kv(&w, "initrd", vm->initrd_mod);
			if (vm->bootargs[0])
				put_kv(&w, "bootargs", vm->bootargs);
		}
		if (vm->vuart.enabled) {
			put(&w, "vuart = ");
			put(&w, u64_str(b, vm->vuart.port_base, true));
			put(&w, ",");
			put(&w, u64_str(b, vm->vuart.irq, false));
			put(&w, "\n");
		} else {
			put_kv(&w, "vuart", "none");
		}
		put_kv(&w, "on_triple_fault",
		       choice_name(triple_fault_choices, ARRAY_SIZE(triple_fault_choices),
		                   vm->on_triple_fault));
		put_kv(&w, "test_device", vm->test_device ? "yes" : "no");
	}
	if (size)
		buf[w.pos < size ? w.pos : size - 1] = '\0';
	return w.pos;
}

int scenario_vcpu_pcpu(const struct scenario_vm *vm, unsigned vcpu)
{
	for (unsigned c = 0; c < SCENARIO_MAX_PCPUS; c++) {
		if (!(vm->cpu_affinity & BIT(c)))
			continue;
		if (vcpu-- == 0)
			return (int)c;
	}
	return -EINVAL;
}

const char *scenario_load_order_name(enum vm_load_order order)
{
	return choice_name(load_order_choices, ARRAY_SIZE(load_order_choices), order);
}

const char *scenario_sched_name(enum sched_mode mode)
{
	return choice_name(sched_choices, ARRAY_SIZE(sched_choices), mode);
}

const char *scenario_kernel_type_name(enum kernel_type type)
{
	return choice_name(kernel_type_choices, ARRAY_SIZE(kernel_type_choices), type);
}

const char *scenario_log_level_name(unsigned level)
{
	return choice_name(log_level_choices, ARRAY_SIZE(log_level_choices), (int)level);
}
