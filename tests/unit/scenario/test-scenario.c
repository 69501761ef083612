/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the scenario parser (hv/core/scenario.c, built hosted) and
 * the acrn-scenario tool. Error messages are compared exactly: they are the
 * user interface of this code.
 */
/* Before GLib, which #undefs and redefines MIN/MAX from hv/types.h. */
#include <hv/log.h>
#include <hv/scenario.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

static int parse_exact(const char *text, size_t len, unsigned pcpus, struct scenario *sc,
                       struct scenario_error *err)
{
	/* An exact-size heap copy, so a sanitizer sees any read past the end. */
	char *copy = g_malloc(len ? len : 1);
	int r;

	memcpy(copy, text, len);
	r = scenario_parse(copy, len, pcpus, sc, err);
	g_free(copy);
	return r;
}

static void parse_ok(const char *text, unsigned pcpus, struct scenario *sc)
{
	struct scenario_error err;
	int r = parse_exact(text, strlen(text), pcpus, sc, &err);

	if (r) {
		g_test_message("unexpected parse error: line %u: %s", err.line, err.msg);
		g_assert_cmpstr(err.msg, ==, "");
	}
}

static unsigned count_lines(const char *text, size_t len)
{
	unsigned n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* Equal except for the source line fields, which a reformat changes. */
static void assert_same_scenario(const struct scenario *a, const struct scenario *b)
{
	struct scenario x = *a, y = *b;

	for (unsigned i = 0; i < SCENARIO_MAX_VMS; i++) {
		x.vms[i].line = y.vms[i].line = 0;
		x.vms[i].kernel_line = y.vms[i].kernel_line = 0;
		x.vms[i].initrd_line = y.vms[i].initrd_line = 0;
	}
	g_assert_true(memcmp(&x, &y, sizeof(x)) == 0);
}

static char *format_alloc(const struct scenario *sc)
{
	size_t n = scenario_format(sc, NULL, 0);
	char *buf = g_malloc(n + 1);

	g_assert_cmpuint(scenario_format(sc, buf, n + 1), ==, n);
	g_assert_cmpuint(strlen(buf), ==, n);
	return buf;
}

/* format(sc) must parse back to sc. */
static void assert_round_trip(const struct scenario *sc)
{
	char *text = format_alloc(sc);
	struct scenario again;

	parse_ok(text, 0, &again);
	assert_same_scenario(sc, &again);
	g_free(text);
}

/* Structural invariants every successfully parsed scenario has. */
static void assert_invariants(const struct scenario *sc)
{
	unsigned service = 0;

	g_assert_cmpuint(sc->nr_vms, >=, 1);
	g_assert_cmpuint(sc->nr_vms, <=, SCENARIO_MAX_VMS);
	g_assert_cmpuint(sc->log_level, <, LOG_LEVEL_MAX);
	for (unsigned i = 0; i < sc->nr_vms; i++) {
		const struct scenario_vm *vm = &sc->vms[i];
		size_t n = strnlen(vm->name, sizeof(vm->name));

		g_assert_cmpuint(n, >=, 1);
		g_assert_cmpuint(n, <, sizeof(vm->name));
		g_assert_cmpuint(strnlen(vm->kernel_mod, sizeof(vm->kernel_mod)), <,
		                 sizeof(vm->kernel_mod));
		g_assert_cmpuint(strnlen(vm->initrd_mod, sizeof(vm->initrd_mod)), <,
		                 sizeof(vm->initrd_mod));
		g_assert_cmpuint(strnlen(vm->bootargs, sizeof(vm->bootargs)), <,
		                 sizeof(vm->bootargs));
		if (vm->kernel_type == KERNEL_BRIDGE) {
			/* Played by the host: one pCPU for its doorbell, no vCPU, no kernel. */
			g_assert_cmpuint(vm->load_order, ==, LOAD_SERVICE);
			g_assert_cmpuint(vm->nr_vcpus, ==, 0);
			g_assert_cmpuint(__builtin_popcountll(vm->cpu_affinity), ==, 1);
			g_assert_false(vm->vuart.enabled);
			g_assert_cmpstr(vm->kernel_mod, ==, "");
			service++;
			continue;
		}
		g_assert_cmpuint(vm->nr_vcpus, ==, __builtin_popcountll(vm->cpu_affinity));
		g_assert_cmpuint(vm->nr_vcpus, >=, 1);
		g_assert_cmpuint(vm->nr_vcpus, <=, SCENARIO_MAX_VCPUS);
		g_assert_cmpuint(vm->memory_size % MiB(2), ==, 0);
		g_assert_cmpuint(vm->memory_size, >=, SCENARIO_MIN_MEMORY);
		g_assert_cmpuint(vm->memory_size, <=, SCENARIO_MAX_MEMORY);
		if (vm->vuart.enabled)
			g_assert_cmpuint(vm->vuart.irq, <, 24);
		if (vm->load_order == LOAD_POST_LAUNCHED)
			g_assert_cmpstr(vm->kernel_mod, ==, "");
		else
			g_assert_cmpstr(vm->kernel_mod, !=, "");
		if (vm->kernel_type == KERNEL_RAW)
			g_assert_cmpuint(vm->load_addr, <, vm->memory_size);
		service += vm->load_order == LOAD_SERVICE;
		for (unsigned j = 0; j < i; j++) {
			g_assert_cmpstr(vm->name, !=, sc->vms[j].name);
			if (sc->sched == SCHED_PARTITIONED)
				g_assert_cmpuint(vm->cpu_affinity & sc->vms[j].cpu_affinity, ==, 0);
		}
	}
	g_assert_cmpuint(service, <=, 1);
}

/* ---- good files ---- */

static const char full_text[] =
        "\xef\xbb\xbf# A scenario using every key. Comments: '#' and ';'.\r\n"
        "; full-line comment, héllo ✓\n"
        "\n"
        "[hv]   # the hypervisor\n"
        "sched = shared\n"
        "log_level=debug\n"
        "\tshutdown_when_idle   =   yes ; inline\n"
        "\n"
        "[ vm  linux-0_A ]\n"
        "load_order = PRE_LAUNCHED\n"
        "cpus = 0 , 2-3\n"
        "memory = 1G\n"
        "kernel = bzImage-6.6+x\n"
        "kernel_type = bzimage\n"
        "initrd = initramfs.cpio.gz   # optional\n"
        "bootargs =   console=ttyS0 root=/dev/ram0 quiet # not a comment here  \n"
        "vuart = 0x2f8, 3\n"
        "on_triple_fault = reset\n"
        "test_device = no\n"
        "\n"
        "[vm svc]\n"
        "load_order = SERVICE\n"
        "cpus = 1\n"
        "memory = 0x200000\n"
        "kernel = service.bin\n"
        "kernel_type = raw\n"
        "load_addr = 0x100000\n"
        "vuart = none\n"
        "test_device = yes\n"
        "\n"
        "[vm guest]\n"
        "load_order = POST_LAUNCHED\n"
        "cpus = 1,3\n"
        "memory = 2048K\n"
        "on_triple_fault = poweroff";

static void test_full(void)
{
	struct scenario sc;
	const struct scenario_vm *vm;

	parse_ok(full_text, 4, &sc);
	g_assert_cmpint(sc.sched, ==, SCHED_SHARED);
	g_assert_cmpuint(sc.log_level, ==, LOG_DEBUG);
	g_assert_true(sc.shutdown_when_idle);
	g_assert_cmpuint(sc.nr_vms, ==, 3);

	vm = &sc.vms[0];
	g_assert_cmpstr(vm->name, ==, "linux-0_A");
	g_assert_cmpuint(vm->line, ==, 9);
	g_assert_cmpint(vm->load_order, ==, LOAD_PRE_LAUNCHED);
	g_assert_cmphex(vm->cpu_affinity, ==, 0xd);
	g_assert_cmpuint(vm->nr_vcpus, ==, 3);
	g_assert_cmpuint(vm->memory_size, ==, GiB(1));
	g_assert_cmpint(vm->kernel_type, ==, KERNEL_BZIMAGE);
	g_assert_cmpstr(vm->kernel_mod, ==, "bzImage-6.6+x");
	g_assert_cmpuint(vm->kernel_line, ==, 13);
	g_assert_cmpstr(vm->initrd_mod, ==, "initramfs.cpio.gz");
	g_assert_cmpuint(vm->initrd_line, ==, 15);
	g_assert_cmpstr(vm->bootargs, ==,
	                "console=ttyS0 root=/dev/ram0 quiet # not a comment here");
	g_assert_true(vm->vuart.enabled);
	g_assert_cmphex(vm->vuart.port_base, ==, 0x2f8);
	g_assert_cmpuint(vm->vuart.irq, ==, 3);
	g_assert_cmpint(vm->on_triple_fault, ==, TRIPLE_FAULT_RESET);
	g_assert_false(vm->test_device);
	g_assert_cmpint(scenario_vcpu_pcpu(vm, 0), ==, 0);
	g_assert_cmpint(scenario_vcpu_pcpu(vm, 1), ==, 2);
	g_assert_cmpint(scenario_vcpu_pcpu(vm, 2), ==, 3);
	g_assert_cmpint(scenario_vcpu_pcpu(vm, 3), ==, -EINVAL);

	vm = &sc.vms[1];
	g_assert_cmpstr(vm->name, ==, "svc");
	g_assert_cmpint(vm->load_order, ==, LOAD_SERVICE);
	g_assert_cmphex(vm->cpu_affinity, ==, 0x2);
	g_assert_cmpuint(vm->memory_size, ==, MiB(2));
	g_assert_cmpint(vm->kernel_type, ==, KERNEL_RAW);
	g_assert_cmphex(vm->load_addr, ==, 0x100000);
	g_assert_cmpstr(vm->initrd_mod, ==, "");
	g_assert_cmpuint(vm->initrd_line, ==, 0);
	g_assert_false(vm->vuart.enabled);
	g_assert_true(vm->test_device);
	g_assert_cmpint(vm->on_triple_fault, ==, TRIPLE_FAULT_POWEROFF);

	vm = &sc.vms[2];
	g_assert_cmpstr(vm->name, ==, "guest");
	g_assert_cmpint(vm->load_order, ==, LOAD_POST_LAUNCHED);
	g_assert_cmphex(vm->cpu_affinity, ==, 0xa);
	g_assert_cmpuint(vm->nr_vcpus, ==, 2);
	g_assert_cmpuint(vm->memory_size, ==, MiB(2));
	g_assert_cmpstr(vm->kernel_mod, ==, "");
	g_assert_cmpstr(vm->bootargs, ==, "");
	/* Its device model emulates the UART unless the scenario asks for ours. */
	g_assert_false(vm->vuart.enabled);

	assert_invariants(&sc);
	assert_round_trip(&sc);
}

static void test_defaults(void)
{
	struct scenario sc;
	const struct scenario_vm *vm = &sc.vms[0];

	parse_ok("[vm a]\nload_order = PRE_LAUNCHED\ncpus = 0\nmemory = 2M\nkernel = k\nbootargs =",
	         0, &sc);
	g_assert_cmpint(sc.sched, ==, SCHED_PARTITIONED);
	g_assert_cmpuint(sc.log_level, ==, LOG_INFO);
	g_assert_false(sc.shutdown_when_idle);
	g_assert_cmpuint(sc.nr_vms, ==, 1);
	g_assert_cmpint(vm->kernel_type, ==, KERNEL_BZIMAGE);
	g_assert_true(vm->vuart.enabled);
	g_assert_cmphex(vm->vuart.port_base, ==, 0x3f8);
	g_assert_cmpuint(vm->vuart.irq, ==, 4);
	g_assert_cmpint(vm->on_triple_fault, ==, TRIPLE_FAULT_POWEROFF);
	g_assert_false(vm->test_device);
	g_assert_cmpstr(vm->initrd_mod, ==, "");
	g_assert_cmpstr(vm->bootargs, ==, "");
	assert_round_trip(&sc);
}

/* The value tables follow enum log_level in hv/log.h. */
static void test_log_levels(void)
{
	static const struct {
		const char *name;
		enum log_level level;
	} levels[] = { { "err", LOG_ERR },
		       { "warn", LOG_WARN },
		       { "info", LOG_INFO },
		       { "debug", LOG_DEBUG } };

	for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
		char *text = g_strdup_printf("[hv]\nlog_level = %s\n[vm a]\nload_order = "
		                             "PRE_LAUNCHED\ncpus = 0\nmemory = 2M\nkernel = k\n",
		                             levels[i].name);
		struct scenario sc;

		parse_ok(text, 0, &sc);
		g_assert_cmpuint(sc.log_level, ==, levels[i].level);
		g_assert_cmpstr(scenario_log_level_name(levels[i].level), ==, levels[i].name);
		g_free(text);
	}
}

static void test_names(void)
{
	g_assert_cmpstr(scenario_load_order_name(LOAD_PRE_LAUNCHED), ==, "PRE_LAUNCHED");
	g_assert_cmpstr(scenario_load_order_name(LOAD_SERVICE), ==, "SERVICE");
	g_assert_cmpstr(scenario_load_order_name(LOAD_POST_LAUNCHED), ==, "POST_LAUNCHED");
	g_assert_cmpstr(scenario_load_order_name((enum vm_load_order)42), ==, "?");
	g_assert_cmpstr(scenario_sched_name(SCHED_PARTITIONED), ==, "partitioned");
	g_assert_cmpstr(scenario_sched_name(SCHED_SHARED), ==, "shared");
	g_assert_cmpstr(scenario_kernel_type_name(KERNEL_BZIMAGE), ==, "bzimage");
	g_assert_cmpstr(scenario_kernel_type_name(KERNEL_RAW), ==, "raw");
	g_assert_cmpstr(scenario_log_level_name(LOG_LEVEL_MAX), ==, "?");
}

#define VM(name, cpus)                                                         \
	"[vm " name "]\nload_order = PRE_LAUNCHED\ncpus = " cpus "\nmemory = " \
	"2M\nkernel = k\n"

static void test_shared_and_limits(void)
{
	struct scenario sc;
	char *text;
	GString *s;

	/* Shared mode: several VMs on one pCPU. */
	parse_ok("[hv]\nsched = shared\n" VM("a", "1") VM("b", "1") VM("c", "0-1"), 2, &sc);
	g_assert_cmpuint(sc.nr_vms, ==, 3);
	g_assert_cmphex(sc.vms[2].cpu_affinity, ==, 0x3);

	/* [hv] may come last; sched applies to the whole file. */
	parse_ok(VM("a", "1") VM("b", "1") "[hv]\nsched = shared\n", 0, &sc);
	g_assert_cmpint(sc.sched, ==, SCHED_SHARED);

	/* Exactly SCENARIO_MAX_VMS VMs, the highest pCPU and SCENARIO_MAX_VCPUS vCPUs. */
	s = g_string_new(NULL);
	for (unsigned i = 0; i < SCENARIO_MAX_VMS - 1; i++)
		g_string_append_printf(s, VM("vm%u", "%u"), i, i);
	g_string_append(s, VM("last", "56-63"));
	parse_ok(s->str, 0, &sc);
	g_assert_cmpuint(sc.nr_vms, ==, SCENARIO_MAX_VMS);
	g_assert_cmphex(sc.vms[7].cpu_affinity, ==, 0xff00000000000000ull);
	g_assert_cmpuint(sc.vms[7].nr_vcpus, ==, 8);
	g_assert_cmpint(scenario_vcpu_pcpu(&sc.vms[7], 7), ==, 63);
	assert_round_trip(&sc);
	g_string_free(s, TRUE);

	/* Limits, just inside. */
	text = g_strdup_printf("[vm %s]\nload_order = PRE_LAUNCHED\ncpus = 1\nmemory = 4074M\n"
	                       "kernel = %s\nbootargs = %s\nvuart = 0xfff8,23\n",
	                       "abcdefghijklmnopqrstuvwxyz01234", /* 31 */
	                       "k123456789012345678901234567890123456789012345678901234567890ab",
	                       "");
	parse_ok(text, 2, &sc);
	g_assert_cmpuint(strlen(sc.vms[0].name), ==, 31);
	g_assert_cmpuint(strlen(sc.vms[0].kernel_mod), ==, 63);
	g_assert_cmpuint(sc.vms[0].memory_size, ==, 0xfea00000ull);
	g_assert_cmphex(sc.vms[0].vuart.port_base, ==, 0xfff8);
	g_assert_cmpuint(sc.vms[0].vuart.irq, ==, 23);
	g_free(text);

	s = g_string_new("[vm a]\nload_order = PRE_LAUNCHED\ncpus = 0\nmemory = 2M\nkernel = "
	                 "k\nbootargs = ");
	for (unsigned i = 0; i < SCENARIO_BOOTARGS_LEN - 1; i++)
		g_string_append_c(s, (char)('a' + i % 26));
	parse_ok(s->str, 0, &sc);
	g_assert_cmpuint(strlen(sc.vms[0].bootargs), ==, SCENARIO_BOOTARGS_LEN - 1);
	assert_round_trip(&sc);
	g_string_free(s, TRUE);

	/* Service VM with post-launched VMs; raw kernel with a test device. */
	parse_ok("[vm sos]\nload_order = SERVICE\ncpus = 0\nmemory = 1G\nkernel = bzImage\n"
	         "[vm uos]\nload_order = POST_LAUNCHED\ncpus = 1\nmemory = 512M\n"
	         "[vm uos2]\nload_order = POST_LAUNCHED\ncpus = 3\nmemory = 2M\nvuart = 0x2f8,3\n"
	         "[vm test]\nload_order = PRE_LAUNCHED\ncpus = 2\nmemory = 16M\nkernel = t.bin\n"
	         "kernel_type = raw\nload_addr = 0x200000\ntest_device = yes\n",
	         0, &sc);
	g_assert_cmpuint(sc.nr_vms, ==, 4);
	g_assert_false(sc.vms[1].vuart.enabled);
	g_assert_true(sc.vms[2].vuart.enabled);
	g_assert_cmphex(sc.vms[2].vuart.port_base, ==, 0x2f8);
	g_assert_true(sc.vms[3].test_device);
	g_assert_cmphex(sc.vms[3].load_addr, ==, 0x200000);
	assert_round_trip(&sc);

	/* A RISC-V Linux Image with an initrd and a command line. */
	parse_ok("[vm rv]\nload_order = PRE_LAUNCHED\ncpus = 0\nmemory = 128M\nkernel = "
	         "Image\nkernel_type = image\n"
	         "initrd = rootfs.cpio\nbootargs = console=ttyS0\n",
	         0, &sc);
	g_assert_cmpint(sc.vms[0].kernel_type, ==, KERNEL_IMAGE);
	g_assert_cmpstr(sc.vms[0].initrd_mod, ==, "rootfs.cpio");
	assert_round_trip(&sc);
}

static void test_samples(void)
{
	const char *dir = g_getenv("SCENARIOS_DIR");
	static const struct {
		const char *file;
		enum sched_mode sched;
		unsigned nr_vms;
		uint64_t affinity[2];
	} samples[] = {
		{ "partitioned-2vm.scn", SCHED_PARTITIONED, 2, { 0x1, 0x2 } },
		{ "smp.scn", SCHED_PARTITIONED, 1, { 0x3 } },
		{ "shared.scn", SCHED_SHARED, 2, { 0x2, 0x2 } },
	};

	if (!dir) {
		g_test_skip("SCENARIOS_DIR not set");
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(samples); i++) {
		char *path = g_build_filename(dir, samples[i].file, NULL);
		struct scenario sc;
		char *text;
		size_t len;

		g_assert_true(g_file_get_contents(path, &text, &len, NULL));
		parse_ok(text, 2, &sc);
		g_assert_cmpint(sc.sched, ==, samples[i].sched);
		g_assert_cmpuint(sc.nr_vms, ==, samples[i].nr_vms);
		for (unsigned v = 0; v < sc.nr_vms; v++) {
			g_assert_cmphex(sc.vms[v].cpu_affinity, ==, samples[i].affinity[v]);
			g_assert_cmpint(sc.vms[v].load_order, ==, LOAD_PRE_LAUNCHED);
			g_assert_cmpint(sc.vms[v].kernel_type, ==, KERNEL_BZIMAGE);
			g_assert_cmpstr(sc.vms[v].kernel_mod, !=, "");
		}
		assert_invariants(&sc);
		assert_round_trip(&sc);
		g_free(text);
		g_free(path);
	}
}

/* A bridge Service VM next to a pre-launched and a post-launched VM. */
static void test_bridge(void)
{
	static const char text[] = "[vm sos]\nload_order = SERVICE\nkernel_type = bridge\n"
	                           "cpus = 1\nmemory = 64M\n"
	                           "[vm pre]\nload_order = PRE_LAUNCHED\ncpus = 0\nmemory = 2M\n"
	                           "kernel = k\n"
	                           "[vm post]\nload_order = POST_LAUNCHED\ncpus = 2\nmemory = 8M\n";
	struct scenario sc;
	char *out;

	parse_ok(text, 3, &sc);
	g_assert_cmpuint(sc.nr_vms, ==, 3);
	g_assert_cmpuint(sc.vms[0].kernel_type, ==, KERNEL_BRIDGE);
	g_assert_cmpuint(sc.vms[0].nr_vcpus, ==, 0);
	g_assert_cmpuint(sc.vms[0].cpu_affinity, ==, 2);
	g_assert_cmpuint(sc.vms[0].memory_size, ==, MiB(64));
	g_assert_cmpint(scenario_vcpu_pcpu(&sc.vms[0], 0), ==, 1);
	g_assert_cmpstr(scenario_kernel_type_name(KERNEL_BRIDGE), ==, "bridge");
	out = format_alloc(&sc);
	g_assert_nonnull(strstr(out, "kernel_type = bridge\n"));
	g_assert_null(strstr(out, "kernel = \n"));
	g_free(out);
	assert_round_trip(&sc);
}

static void test_format_truncation(void)
{
	struct scenario sc;
	char *full, buf[64];
	size_t n;

	parse_ok(full_text, 0, &sc);
	full = format_alloc(&sc);
	n = strlen(full);
	for (size_t size = 0; size <= sizeof(buf); size++) {
		memset(buf, 'X', sizeof(buf));
		g_assert_cmpuint(scenario_format(&sc, buf, size), ==, n);
		if (size) {
			g_assert_cmpuint(strlen(buf), ==, size - 1);
			g_assert_true(strncmp(buf, full, size - 1) == 0);
		}
		for (size_t i = size; i < sizeof(buf); i++)
			g_assert_cmpint(buf[i], ==, 'X');
	}
	g_free(full);
}

/* ---- errors ---- */

struct error_case {
	const char *text;
	size_t len; /* 0: strlen(text) */
	unsigned pcpus;
	unsigned line;
	const char *msg;
};

#define VM_HEAD "[vm a]\nload_order = PRE_LAUNCHED\ncpus = 0\n" /* lines 1-3 */
#define VM_A    VM_HEAD "memory = 2M\nkernel = k\n"             /* lines 1-5 */

static const struct error_case error_cases[] = {
	/* syntax */
	{ "[vm a", 0, 0, 1, "missing ']' in section header" },
	{ "[vm a] junk", 0, 0, 1, "unexpected 'junk' after ']'" },
	{ "[vm a]]", 0, 0, 1, "unexpected ']' after ']'" },
	{ "[]", 0, 0, 1, "empty section header '[]'" },
	{ "[vm]", 0, 0, 1, "[vm] needs a name, e.g. [vm linux0]" },
	{ "[hv x]", 0, 0, 1, "[hv] takes no name" },
	{ "[VM a]", 0, 0, 1, "unknown section '[VM a]': expected [hv] or [vm NAME]" },
	{ "[hv]\n[hv]", 0, 0, 2, "duplicate [hv] section (first on line 1)" },
	{ "sched = shared", 0, 0, 1,
	  "key 'sched' is outside any section; start with [hv] or [vm NAME]" },
	{ VM_HEAD "memory", 0, 0, 4,
	  "missing '=' in 'memory': expected 'key = value' or '[section]'" },
	{ VM_HEAD "memory 2M # comment", 0, 0, 4,
	  "missing '=' in 'memory 2M': expected 'key = value' or '[section]'" },
	{ VM_HEAD "= 2M", 0, 0, 4, "missing key before '='" },
	{ VM_HEAD "mem ory = 2M", 0, 0, 4, "invalid key 'mem ory'" },
	{ VM_HEAD "memory =", 0, 0, 4, "missing value for 'memory'" },
	{ VM_HEAD "memory =   # nothing", 0, 0, 4, "missing value for 'memory'" },
	{ VM_HEAD "cpus = 1", 0, 0, 4, "duplicate key 'cpus' in [vm a] (first set on line 3)" },
	{ "[hv]\nsched = shared\nsched = shared", 0, 0, 3,
	  "duplicate key 'sched' in [hv] (first set on line 2)" },
	{ VM_HEAD "memroy = 2M", 0, 0, 4,
	  "unknown key 'memroy' in [vm a]; did you mean 'memory'?" },
	{ VM_HEAD "cpu = 2", 0, 0, 4, "unknown key 'cpu' in [vm a]; did you mean 'cpus'?" },
	{ "[hv]\nshutdown-when-idle = yes", 0, 0, 2,
	  "unknown key 'shutdown-when-idle' in [hv]; did you mean 'shutdown_when_idle'?" },
	{ "[hv]\nfoo = 1", 0, 0, 2, "unknown key 'foo' in [hv]" },
	{ "[hv]\nmemory = 1G", 0, 0, 2,
	  "key 'memory' belongs in a [vm NAME] section, not in [hv]" },
	{ VM_HEAD "sched = shared", 0, 0, 4,
	  "key 'sched' belongs in the [hv] section, not in [vm a]" },
	{ VM_HEAD "Memory = 2M", 0, 0, 4,
	  "unknown key 'Memory' in [vm a]; did you mean 'memory'?" },

	/* bytes */
	{ "[hv]\n\0", 6, 0, 2, "NUL byte at column 1 (not a text file?)" },
	{ "[hv]\nsched = sh\0ared", 20, 0, 2, "NUL byte at column 11 (not a text file?)" },
	{ "[hv]\x01", 0, 0, 1, "control character 0x1 at column 5" },
	{ "[hv]\rsched = shared", 0, 0, 1, "control character 0xd at column 5" },
	{ "# x\x7f", 0, 0, 1, "control character 0x7f at column 4" },
	{ "\n# \xff", 0, 0, 2, "invalid UTF-8 at column 3" },
	{ "# \xc0\xaf overlong", 0, 0, 1, "invalid UTF-8 at column 3" },
	{ "# \xed\xa0\x80 surrogate", 0, 0, 1, "invalid UTF-8 at column 3" },
	{ "# \xf4\x90\x80\x80 too big", 0, 0, 1, "invalid UTF-8 at column 3" },
	{ "# \xe2\x82\n", 0, 0, 1, "invalid UTF-8 at column 3" },
	{ "# \xe2\x82", 0, 0, 1, "invalid UTF-8 at column 3" },
	{ "# \x80", 0, 0, 1, "invalid UTF-8 at column 3" },
	{ "\xef\xbb", 0, 0, 1, "invalid UTF-8 at column 1" },

	/* VM names and counts */
	{ "[vm lin.ux]", 0, 0, 1, "invalid VM name 'lin.ux': use letters, digits, '_' and '-'" },
	{ "[vm a b]", 0, 0, 1, "invalid VM name 'a b': use letters, digits, '_' and '-'" },
	{ "[vm abcdefghijklmnopqrstuvwxyz012345]", 0, 0, 1,
	  "VM name 'abcdefghijklmnopqrstuvwxyz012345' is too long (at most 31 characters)" },
	{ VM_A "[vm a]", 0, 0, 6, "duplicate VM name 'a' (first defined on line 1)" },
	{ "[hv]\nsched = shared\n" VM("a", "0") VM("b", "0") VM("c", "0") VM("d", "0") VM("e", "0")
	          VM("f", "0") VM("g", "0") VM("h", "0") "[vm i]\n",
	  0, 0, 43, "too many VMs: at most 8" },
	{ "", 0, 0, 0, "no VMs: a scenario needs at least one [vm NAME] section" },
	{ "[hv]\nsched = shared\n# nothing else\n", 0, 0, 0,
	  "no VMs: a scenario needs at least one [vm NAME] section" },

	/* required keys and load orders */
	{ "[vm a]\nload_order = PRE_LAUNCHED\ncpus = 0\nkernel = k\n", 0, 0, 1,
	  "vm a: missing required key 'memory'" },
	{ "[vm a]\ncpus = 0\nmemory = 2M\nkernel = k\n", 0, 0, 1,
	  "vm a: missing required key 'load_order'" },
	{ "[vm a]\nload_order = PRE_LAUNCHED\nmemory = 2M\nkernel = k\n[hv]", 0, 0, 1,
	  "vm a: missing required key 'cpus'" },
	{ VM_HEAD "memory = 2M\n", 0, 0, 1, "vm a: pre-launched VM needs a kernel" },
	{ "[vm s]\nload_order = SERVICE\ncpus = 0\nmemory = 2M\n", 0, 0, 1,
	  "vm s: service VM needs a kernel" },
	{ "[vm s]\nload_order = SERVICE\ncpus = 0\nmemory = 2M\nkernel = k\n"
	  "[vm x]\nload_order = POST_LAUNCHED\ncpus = 1\nmemory = 2M\nkernel = k\n",
	  0, 0, 10, "post-launched VM 'x' must not name a kernel (its device model loads it)" },
	{ "[vm x]\nload_order = POST_LAUNCHED\ninitrd = i\ncpus = 1\nmemory = 2M\n", 0, 0, 3,
	  "post-launched VM 'x' must not set 'initrd'" },
	{ "[vm x]\nbootargs = quiet\nload_order = POST_LAUNCHED\ncpus = 1\nmemory = 2M\n", 0, 0, 2,
	  "post-launched VM 'x' must not set 'bootargs'" },
	{ VM_A "[vm x]\nload_order = POST_LAUNCHED\ncpus = 1\nmemory = 2M\n", 0, 0, 7,
	  "vm x: post-launched VM needs a SERVICE VM to launch it" },
	{ "[vm s]\nload_order = SERVICE\ncpus = 0\nmemory = 2M\nkernel = k\n"
	  "[vm t]\nmemory = 2M\nkernel = k\ncpus = 1\nload_order = SERVICE\n",
	  0, 0, 10, "vm t: only one SERVICE VM is allowed (vm s is one)" },
	{ VM_HEAD "memory = 2M\nkernel = k\nload_order = pre_launched", 0, 0, 6,
	  "duplicate key 'load_order' in [vm a] (first set on line 2)" },
	{ "[vm a]\nload_order = pre_launched", 0, 0, 2,
	  "invalid load_order 'pre_launched': expected PRE_LAUNCHED, SERVICE or POST_LAUNCHED; "
	  "did you mean 'PRE_LAUNCHED'?" },
	{ "[vm a]\nload_order = LAUNCHED", 0, 0, 2,
	  "invalid load_order 'LAUNCHED': expected PRE_LAUNCHED, SERVICE or POST_LAUNCHED" },

	/* enumerations */
	{ "[hv]\nsched = partitoned", 0, 0, 2,
	  "invalid sched 'partitoned': expected partitioned or shared; did you mean "
	  "'partitioned'?" },
	{ "[hv]\nlog_level = verbose", 0, 0, 2,
	  "invalid log_level 'verbose': expected err, warn, info or debug" },
	{ "[hv]\nlog_level = error", 0, 0, 2,
	  "invalid log_level 'error': expected err, warn, info or debug; did you mean 'err'?" },
	{ "[hv]\nshutdown_when_idle = true", 0, 0, 2,
	  "invalid shutdown_when_idle 'true': expected yes or no" },
	{ VM_A "test_device = yse", 0, 0, 6,
	  "invalid test_device 'yse': expected yes or no; did you mean 'yes'?" },
	{ VM_A "kernel_type = elf", 0, 0, 6,
	  "invalid kernel_type 'elf': expected bzimage, raw, image or bridge" },
	{ VM_A "on_triple_fault = reboot", 0, 0, 6,
	  "invalid on_triple_fault 'reboot': expected poweroff or reset" },

	/* cpus */
	{ VM_A "[vm b]\nload_order = PRE_LAUNCHED\ncpus = 0\nmemory = 2M\nkernel = k\n", 0, 0, 8,
	  "vm b: pCPU 0 already used by vm a in partitioned mode" },
	{ VM("a", "0-3") VM("b", "5") VM("c", "3,6"), 0, 0, 13,
	  "vm c: pCPU 3 already used by vm a in partitioned mode" },
	{ "[vm a]\ncpus = 5", 0, 2, 2, "pCPU 5 does not exist (board has 2)" },
	{ "[vm a]\ncpus = 0-2", 0, 2, 2, "pCPU 2 does not exist (board has 2)" },
	{ "[vm a]\ncpus = 64", 0, 0, 2, "pCPU 64 is out of range (at most 63)" },
	{ "[vm a]\ncpus = 1-99999999999999999999999", 0, 0, 2,
	  "pCPU 99999999999999999999999 is out of range (at most 63)" },
	{ "[vm a]\ncpus = x", 0, 0, 2,
	  "invalid cpus 'x': 'x' is not a pCPU number (expected e.g. 1, 0,2 or 1-3)" },
	{ "[vm a]\ncpus = -1", 0, 0, 2,
	  "invalid cpus '-1': '' is not a pCPU number (expected e.g. 1, 0,2 or 1-3)" },
	{ "[vm a]\ncpus = 0x1", 0, 0, 2,
	  "invalid cpus '0x1': '0x1' is not a pCPU number (expected e.g. 1, 0,2 or 1-3)" },
	{ "[vm a]\ncpus = 1,,2", 0, 0, 2, "invalid cpus '1,,2': empty list entry" },
	{ "[vm a]\ncpus = 1,", 0, 0, 2, "invalid cpus '1,': empty list entry" },
	{ "[vm a]\ncpus = 3-1", 0, 0, 2, "invalid cpus '3-1': range '3-1' is backwards" },
	{ "[vm a]\ncpus = 1,1", 0, 0, 2, "pCPU 1 is listed twice in cpus" },
	{ "[vm a]\ncpus = 0-3,2", 0, 0, 2, "pCPU 2 is listed twice in cpus" },
	{ "[vm a]\ncpus = 2,0", 0, 0, 2,
	  "cpus must be in ascending order (vCPU i runs on the i-th lowest pCPU): 0 comes after "
	  "2" },
	{ "[vm a]\ncpus = 0-8", 0, 0, 2, "9 vCPUs is too many (at most 8 per VM)" },

	/* memory */
	{ VM_HEAD "memory = 255M", 0, 0, 4, "memory '255M' is not a multiple of 2 MiB" },
	{ VM_HEAD "memory = 3000K", 0, 0, 4, "memory '3000K' is not a multiple of 2 MiB" },
	{ VM_HEAD "memory = 1M", 0, 0, 4, "memory '1M' is too small (at least 2 MiB)" },
	{ VM_HEAD "memory = 0", 0, 0, 4, "memory '0' is too small (at least 2 MiB)" },
	{ VM_HEAD "memory = 4076M", 0, 0, 4,
	  "memory '4076M' is too large (at most 4074M: RAM must end below 0xfeb00000)" },
	{ VM_HEAD "memory = 4G", 0, 0, 4,
	  "memory '4G' is too large (at most 4074M: RAM must end below 0xfeb00000)" },
	{ VM_HEAD "memory = 99999999999999999999G", 0, 0, 4,
	  "memory '99999999999999999999G' is too large (at most 4074M: RAM must end below "
	  "0xfeb00000)" },
	{ VM_HEAD "memory = lots", 0, 0, 4,
	  "invalid memory 'lots': expected a size like 256M (suffix K, M or G)" },
	{ VM_HEAD "memory = 256MB", 0, 0, 4,
	  "invalid memory '256MB': expected a size like 256M (suffix K, M or G)" },
	{ VM_HEAD "memory = M", 0, 0, 4,
	  "invalid memory 'M': expected a size like 256M (suffix K, M or G)" },
	{ VM_HEAD "memory = -2M", 0, 0, 4,
	  "invalid memory '-2M': expected a size like 256M (suffix K, M or G)" },

	/* kernel, initrd, bootargs, load_addr */
	{ VM_HEAD "kernel = /boot/vmlinuz", 0, 0, 4,
	  "kernel '/boot/vmlinuz' must be a module (file) name, not a path" },
	{ VM_HEAD "kernel = .hidden", 0, 0, 4,
	  "invalid kernel '.hidden': use letters, digits, '.', '_', '-', '+' (no leading '.' or "
	  "'-')" },
	{ VM_HEAD "kernel = a b", 0, 0, 4,
	  "invalid kernel 'a b': use letters, digits, '.', '_', '-', '+' (no leading '.' or '-')" },
	{ VM_HEAD "kernel = k1234567890123456789012345678901234567890123456789012345678901ab", 0, 0,
	  4, "kernel 'k1234567890123456789012345678901...' is too long (at most 63 characters)" },
	{ VM_A "initrd = k", 0, 0, 6, "vm a: initrd and kernel are the same module 'k'" },
	{ VM_A "kernel_type = raw", 0, 0, 6, "vm a: kernel_type = raw needs load_addr" },
	{ VM_A "kernel_type = raw\nload_addr = 0x100000\ninitrd = i", 0, 0, 8,
	  "vm a: initrd needs kernel_type = bzimage" },
	{ VM_A "kernel_type = raw\nload_addr = 0x100000\nbootargs = x", 0, 0, 8,
	  "vm a: bootargs needs kernel_type = bzimage" },
	{ VM_A "kernel_type = image\nload_addr = 0x200000", 0, 0, 7,
	  "vm a: load_addr needs kernel_type = raw (bzImage kernels are placed by the boot "
	  "protocol)" },
	{ VM_A "load_addr = 0x100000", 0, 0, 6,
	  "vm a: load_addr needs kernel_type = raw (bzImage kernels are placed by the boot "
	  "protocol)" },
	{ VM_A "kernel_type = raw\nload_addr = 0x200000", 0, 0, 7,
	  "vm a: load_addr 0x200000 is outside the VM's 2M of RAM" },
	{ VM_A "kernel_type = raw\nload_addr = 0xe0000", 0, 0, 7,
	  "vm a: load_addr 0xe0000 is inside the ACPI table area 0xe0000-0xfffff" },
	{ VM_A "load_addr = 1MiB", 0, 0, 6,
	  "invalid load_addr '1MiB': expected an address like 0x100000" },
	{ VM_A "load_addr = 0x10000000000000000", 0, 0, 6,
	  "load_addr '0x10000000000000000' is too large" },
	{ VM_A "bootargs = caf\xc3\xa9", 0, 0, 6,
	  "bootargs must be printable ASCII (byte 0xc3 at offset 3)" },

	/* vuart */
	{ VM_A "vuart = 0x3f8,24", 0, 0, 6, "vuart IRQ 24 is out of range (IOAPIC pins 0-23)" },
	{ VM_A "vuart = 0x3f8,99999999999999999999999", 0, 0, 6,
	  "vuart IRQ 99999999999999999999999 is out of range (IOAPIC pins 0-23)" },
	{ VM_A "vuart = 0x50,4", 0, 0, 6, "vuart port 0x50 is out of range (0x100-0xfff8)" },
	{ VM_A "vuart = 0x10000,4", 0, 0, 6, "vuart port 0x10000 is out of range (0x100-0xfff8)" },
	{ VM_A "vuart = 0x3f9,4", 0, 0, 6, "vuart port 0x3f9 is not a multiple of 8" },
	{ VM_A "vuart = 0x400,4", 0, 0, 6,
	  "vuart ports 0x400-0x407 overlap the ACPI sleep registers 0x400-0x401" },
	{ VM_A "vuart = 0xcf8,4", 0, 0, 6,
	  "vuart ports 0xcf8-0xcff overlap the reset register 0xcf9" },
	{ VM_A "vuart = com1", 0, 0, 6,
	  "invalid vuart 'com1': expected PORT,IRQ (e.g. 0x3f8,4) or none" },
	{ VM_A "vuart = 0x3f8", 0, 0, 6,
	  "invalid vuart '0x3f8': expected PORT,IRQ (e.g. 0x3f8,4) or none" },
	{ VM_A "vuart = 0x3f8,", 0, 0, 6,
	  "invalid vuart '0x3f8,': expected PORT,IRQ (e.g. 0x3f8,4) or none" },

/* a bridge Service VM is played by the host */
#define BRIDGE_HEAD "[vm sos]\nload_order = SERVICE\nkernel_type = bridge\n" /* lines 1-3 */
	{ BRIDGE_HEAD "cpus = 1\nmemory = 64M\nkernel = k\n", 0, 0, 6,
	  "vm sos: a bridge Service VM (played by the host) must not set 'kernel'" },
	{ BRIDGE_HEAD "cpus = 1\nmemory = 64M\ninitrd = i\n", 0, 0, 6,
	  "vm sos: a bridge Service VM (played by the host) must not set 'initrd'" },
	{ BRIDGE_HEAD "cpus = 1\nmemory = 64M\nbootargs = x\n", 0, 0, 6,
	  "vm sos: a bridge Service VM (played by the host) must not set 'bootargs'" },
	{ BRIDGE_HEAD "cpus = 1\nmemory = 64M\nload_addr = 0x100000\n", 0, 0, 6,
	  "vm sos: a bridge Service VM (played by the host) must not set 'load_addr'" },
	{ BRIDGE_HEAD "cpus = 1\nmemory = 64M\nvuart = none\n", 0, 0, 6,
	  "vm sos: a bridge Service VM (played by the host) must not set 'vuart'" },
	{ BRIDGE_HEAD "cpus = 0-1\nmemory = 64M\n", 0, 0, 4,
	  "vm sos: a bridge Service VM takes exactly one pCPU (for its doorbell), not 2" },
	{ BRIDGE_HEAD "cpus = 1\nmemory = 2M\n", 0, 0, 5,
	  "vm sos: a bridge Service VM needs at least 4M (2M for the bridge itself)" },
	{ "[vm a]\nload_order = PRE_LAUNCHED\nkernel_type = bridge\ncpus = 0\nmemory = 4M\n", 0, 0,
	  3, "vm a: kernel_type = bridge is only for the SERVICE VM" },
	{ "[vm a]\nload_order = POST_LAUNCHED\nkernel_type = bridge\ncpus = 0\nmemory = 4M\n"
	  "[vm s]\nload_order = SERVICE\nkernel_type = bridge\ncpus = 1\nmemory = 4M\n",
	  0, 0, 3, "post-launched VM 'a' must not set 'kernel_type'" },
	{ BRIDGE_HEAD "cpus = 1\nmemory = 64M\n[vm b]\nload_order = PRE_LAUNCHED\ncpus = 1\n"
	              "memory = 2M\nkernel = k\n",
	  0, 0, 8, "vm b: pCPU 1 already used by vm sos in partitioned mode" },

	/* messages quote hostile input bounded and sanitized */
	{ VM_HEAD "k\xc3\xa9yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy = 1", 0, 0, 4,
	  "invalid key 'k??yyyyyyyyyyyyyyyyyyyyyyyyyyyyy...'" },
};

static void check_error(const struct error_case *c)
{
	size_t len = c->len ? c->len : strlen(c->text);
	struct scenario sc, before;
	struct scenario_error err;

	memset(&sc, 0xa5, sizeof(sc));
	before = sc;
	memset(&err, 0x5a, sizeof(err));
	g_assert_cmpint(parse_exact(c->text, len, c->pcpus, &sc, &err), ==, -EINVAL);
	g_assert_true(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
	g_assert_cmpstr(err.msg, ==, c->msg);
	g_assert_cmpuint(err.line, ==, c->line);
	/* *out is untouched on failure. */
	g_assert_true(memcmp(&sc, &before, sizeof(sc)) == 0);
	/* err may be NULL. */
	g_assert_cmpint(parse_exact(c->text, len, c->pcpus, &sc, NULL), ==, -EINVAL);
	g_assert_true(memcmp(&sc, &before, sizeof(sc)) == 0);
}

static void test_error_case(gconstpointer data)
{
	check_error(data);
}

static void test_bootargs_too_long(void)
{
	GString *s = g_string_new(VM_A "bootargs = ");
	struct error_case c = { .line = 6, .msg = "bootargs is 512 bytes long (at most 511)" };

	for (unsigned i = 0; i < SCENARIO_BOOTARGS_LEN; i++)
		g_string_append_c(s, 'x');
	g_string_append(s, "   \n");
	c.text = s->str;
	check_error(&c);
	g_string_free(s, TRUE);
}

static void test_too_many_vcpus_pcpus(void)
{
	/* nr_pcpus larger than the bitmap still stops at pCPU 63. */
	struct error_case c = { "[vm a]\ncpus = 63-64", 0, 1000, 2,
		                "pCPU 64 is out of range (at most 63)" };

	check_error(&c);
}

/* The longest messages still fit struct scenario_error. */
static void test_long_messages(void)
{
	struct scenario sc;
	struct scenario_error err;
	const char *text = "[vm abcdefghijklmnopqrstuvwxyz01234]\nshutdown_when_idlee = yes\n";

	g_assert_cmpint(parse_exact(text, strlen(text), 0, &sc, &err), ==, -EINVAL);
	g_assert_cmpstr(
	        err.msg, ==,
	        "unknown key 'shutdown_when_idlee' in [vm abcdefghijklmnopqrstuvwxyz01234]");
	g_assert_cmpuint(strlen(err.msg), <, sizeof(err.msg) - 1);

	text = "[hv]\nlog_level = "
	       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	g_assert_cmpint(parse_exact(text, strlen(text), 0, &sc, &err), ==, -EINVAL);
	g_assert_cmpstr(err.msg, ==,
	                "invalid log_level 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': expected err, "
	                "warn, info or debug");
}

static void test_bad_arguments(void)
{
	struct scenario sc;
	struct scenario_error err;

	g_assert_cmpint(scenario_parse(NULL, 5, 0, &sc, &err), ==, -EINVAL);
	g_assert_cmpuint(err.line, ==, 0);
	g_assert_cmpstr(err.msg, ==, "invalid arguments");
	g_assert_cmpint(scenario_parse("[vm a]", 6, 0, NULL, &err), ==, -EINVAL);
	g_assert_cmpint(scenario_parse(NULL, 0, 0, &sc, &err), ==, -EINVAL);
	g_assert_cmpstr(err.msg, ==, "no VMs: a scenario needs at least one [vm NAME] section");
}

/* A text with NUL termination beyond len must not be read past len. */
static void test_len_respected(void)
{
	const char *text = VM_A "memory = 100M\n";
	struct scenario sc;

	/* Cut right before the duplicate memory line: valid. */
	g_assert_cmpint(parse_exact(text, strlen(VM_A), 0, &sc, NULL), ==, 0);
	g_assert_cmpint(parse_exact(text, strlen(text), 0, &sc, NULL), ==, -EINVAL);
}

/* ---- robustness ---- */

/* Any input: no crash, a well-formed result either way. */
static void check_any(const char *text, size_t len, unsigned pcpus)
{
	struct scenario sc, before;
	struct scenario_error err;
	int r;

	memset(&sc, 0xa5, sizeof(sc));
	before = sc;
	memset(&err, 0x5a, sizeof(err));
	r = parse_exact(text, len, pcpus, &sc, &err);
	if (r) {
		g_assert_cmpint(r, ==, -EINVAL);
		g_assert_true(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		g_assert_cmpuint(strlen(err.msg), >, 0);
		/* never cut short by the buffer */
		g_assert_cmpuint(strlen(err.msg), <, sizeof(err.msg) - 1);
		g_assert_cmpuint(err.line, <=, count_lines(text, len));
		g_assert_true(memcmp(&sc, &before, sizeof(sc)) == 0);
	} else {
		assert_invariants(&sc);
		assert_round_trip(&sc);
	}
}

static void test_prefixes(void)
{
	const char *texts[] = { full_text, VM("a", "0") VM("b", "1-2") };

	for (size_t t = 0; t < G_N_ELEMENTS(texts); t++) {
		size_t len = strlen(texts[t]);

		for (size_t n = 0; n <= len; n++) {
			check_any(texts[t], n, 0);
			/* and every suffix */
			check_any(texts[t] + n, len - n, 4);
		}
	}
}

static void test_random_bytes(void)
{
	GRand *rand = g_rand_new_with_seed(0x5ce7a210);
	char buf[512];

	for (unsigned iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)g_rand_int_range(rand, 0, sizeof(buf));

		for (size_t i = 0; i < len; i++)
			buf[i] = (char)g_rand_int(rand);
		check_any(buf, len, (unsigned)g_rand_int_range(rand, 0, 70));
	}
	g_rand_free(rand);
}

/* Byte mutations of a valid file reach the semantic checks, unlike pure noise. */
static void test_mutations(void)
{
	static const char interesting[] = "\0\n\r\t #;=[]-,0123456789xKMGyes\x80\xc3\xff";
	GRand *rand = g_rand_new_with_seed(42);
	size_t len = strlen(full_text);
	char *buf = g_malloc(len + 8);

	for (unsigned iter = 0; iter < 20000; iter++) {
		size_t n = len;
		unsigned edits = (unsigned)g_rand_int_range(rand, 1, 5);

		memcpy(buf, full_text, len);
		for (unsigned e = 0; e < edits && n; e++) {
			size_t at = (size_t)g_rand_int_range(rand, 0, (gint32)n);
			char c = interesting[g_rand_int_range(rand, 0, sizeof(interesting) - 1)];

			switch (g_rand_int_range(rand, 0, 3)) {
			case 0: /* replace */
				buf[at] = c;
				break;
			case 1: /* delete */
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
				break;
			default: /* insert */
				if (n < len + 8) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = c;
					n++;
				}
				break;
			}
		}
		check_any(buf, n, (unsigned)g_rand_int_range(rand, 0, 6));
	}
	g_free(buf);
	g_rand_free(rand);
}

/*
 * Random scenarios from the grammar's vocabulary: mostly well-formed, so they
 * reach the cross-key and cross-VM checks that noise never gets to.
 */
static void test_grammar_soup(void)
{
	static const struct {
		const char *key;
		const char *values[6];
	} hv_keys[] = {
		{ "sched", { "shared", "partitioned", "partitioned", "fair" } },
		{ "log_level", { "debug", "err", "info" } },
		{ "shutdown_when_idle", { "yes", "no" } },
	},
	  vm_keys[] = {
		  { "load_order", { "PRE_LAUNCHED", "PRE_LAUNCHED", "SERVICE", "POST_LAUNCHED" } },
		  { "cpus", { "0", "1", "0-3", "2,5", "1-2", "7" } },
		  { "memory", { "2M", "1G", "64M", "3M", "4074M" } },
		  { "kernel", { "bzImage", "k.bin", "initrd" } },
		  { "kernel_type", { "bzimage", "raw" } },
		  { "load_addr", { "0x100000", "0x1000", "0x4000000", "0xe0000" } },
		  { "initrd", { "initrd", "rd.gz" } },
		  { "bootargs", { "console=ttyS0 # x", "", "quiet" } },
		  { "vuart", { "none", "0x2f8,3", "0x3f8,4" } },
		  { "on_triple_fault", { "reset", "poweroff" } },
		  { "test_device", { "yes", "no" } },
	  };
	static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "a" };
	GRand *rand = g_rand_new_with_seed(7);
	GString *s = g_string_new(NULL);
	unsigned ok = 0, iters = 20000;

	for (unsigned iter = 0; iter < iters; iter++) {
		/* few VMs mostly, so that some scenarios pass every check */
		unsigned nr_vms =
		        (unsigned)g_rand_int_range(rand, 1, g_rand_int_range(rand, 0, 8) ? 3 : 10);
		struct scenario sc;

		g_string_truncate(s, 0);
		if (g_rand_boolean(rand)) {
			g_string_append(s, "[hv]\n");
			for (size_t k = 0; k < G_N_ELEMENTS(hv_keys); k++) {
				size_t nv = 0;

				while (nv < G_N_ELEMENTS(hv_keys[k].values) &&
				       hv_keys[k].values[nv])
					nv++;
				if (g_rand_int_range(rand, 0, 4))
					g_string_append_printf(s, "%s = %s\n", hv_keys[k].key,
					                       hv_keys[k].values[g_rand_int_range(
					                               rand, 0, (gint32)nv)]);
			}
		}
		for (unsigned v = 0; v < nr_vms; v++) {
			g_string_append_printf(
			        s, "[vm %s]\n",
			        names[g_rand_int_range(rand, 0, G_N_ELEMENTS(names))]);
			for (size_t k = 0; k < G_N_ELEMENTS(vm_keys); k++) {
				size_t nv = 0;

				while (nv < G_N_ELEMENTS(vm_keys[k].values) &&
				       vm_keys[k].values[nv])
					nv++;
				/* the first three keys are required: include them more often */
				if (g_rand_int_range(rand, 0, k < 3 ? 20 : 3) == 0)
					continue;
				g_string_append_printf(
				        s, "%s = %s\n", vm_keys[k].key,
				        vm_keys[k].values[g_rand_int_range(rand, 0, (gint32)nv)]);
			}
		}
		check_any(s->str, s->len, (unsigned)g_rand_int_range(rand, 0, 9));
		ok += scenario_parse(s->str, s->len, 0, &sc, NULL) == 0;
	}
	/* Some soup must be valid, and not all of it, or it tests little. */
	g_test_message("%u of %u random scenarios valid", ok, iters);
	g_assert_cmpuint(ok, >, iters / 100);
	g_assert_cmpuint(ok, <, iters);
	g_string_free(s, TRUE);
	g_rand_free(rand);
}

/* ---- the acrn-scenario tool ---- */

struct run_result {
	int status;
	char *out;
	char *err;
};

static struct run_result run_tool(const char *const *args, const char *stdin_text)
{
	const char *tool = g_getenv("ACRN_SCENARIO");
	GPtrArray *argv = g_ptr_array_new();
	struct run_result r = { 0 };
	GError *error = NULL;
	char *in_path = NULL;

	g_ptr_array_add(argv, (gpointer)tool);
	for (; *args; args++)
		g_ptr_array_add(argv, (gpointer)*args);
	g_ptr_array_add(argv, NULL);

	if (stdin_text) {
		/* FILE is '-': feed stdin_text through a shell redirect from a file. */
		int fd = g_file_open_tmp("scn-stdin-XXXXXX", &in_path, &error);
		char *qtool, *qin, *line;

		g_assert_no_error(error);
		g_assert_true(g_file_set_contents(in_path, stdin_text, -1, NULL));
		close(fd);
		qtool = g_shell_quote(tool);
		qin = g_shell_quote(in_path);
		line = g_strdup_printf("%s %s - < %s", qtool, (char *)argv->pdata[1], qin);
		g_spawn_sync(NULL, (char *[]){ "/bin/sh", "-c", line, NULL }, NULL, G_SPAWN_DEFAULT,
		             NULL, NULL, &r.out, &r.err, &r.status, &error);
		g_unlink(in_path);
		g_free(line);
		g_free(qin);
		g_free(qtool);
		g_free(in_path);
	} else {
		g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r.out,
		             &r.err, &r.status, &error);
	}
	g_assert_no_error(error);
	g_ptr_array_free(argv, TRUE);
	return r;
}

static int exit_code(const struct run_result *r)
{
	g_assert_true(WIFEXITED(r->status));
	return WEXITSTATUS(r->status);
}

static void free_result(struct run_result *r)
{
	g_free(r->out);
	g_free(r->err);
}

static char *write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char *path = g_build_filename(dir, name, NULL);
	GError *error = NULL;

	g_file_set_contents(path, text, (gssize)len, &error);
	g_assert_no_error(error);
	return path;
}

static void test_tool(void)
{
	GError *error = NULL;
	char *dir, *good, *bad, *mods, *raw, *missing;
	struct run_result r;
	char bz[0x300] = { 0 };
	const char *good_text =
	        "[vm a]\nload_order = PRE_LAUNCHED\ncpus = 0\nmemory = 64M\nkernel = bz\n"
	        "initrd = rd\n"
	        "[vm b]\nload_order = PRE_LAUNCHED\ncpus = 1\nmemory = 64M\nkernel = bz\n";

	if (!g_getenv("ACRN_SCENARIO")) {
		g_test_skip("ACRN_SCENARIO not set");
		return;
	}
	dir = g_dir_make_tmp("scn-XXXXXX", &error);
	g_assert_no_error(error);
	good = write_file(dir, "good.scn", good_text, strlen(good_text));
	bad = write_file(dir, "bad.scn", VM_HEAD "memroy = 2M\n", strlen(VM_HEAD "memroy = 2M\n"));
	missing = g_build_filename(dir, "nope.scn", NULL);
	mods = g_build_filename(dir, "mods", NULL);
	g_assert_cmpint(g_mkdir(mods, 0755), ==, 0);

	/* check */
	r = run_tool((const char *[]){ "check", good, NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 0);
	g_assert_true(g_str_has_prefix(r.out, good));
	g_assert_nonnull(strstr(r.out, ": ok: 2 VMs, partitioned scheduling: a (PRE_LAUNCHED, 1 "
	                               "vCPU, 64 MiB); b (PRE_LAUNCHED, 1 vCPU, 64 MiB)\n"));
	g_assert_cmpstr(r.err, ==, "");
	free_result(&r);

	r = run_tool((const char *[]){ "check", bad, NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 1);
	g_assert_cmpstr(r.out, ==, "");
	{
		char *want = g_strdup_printf(
		        "%s:4: unknown key 'memroy' in [vm a]; did you mean 'memory'?\n", bad);

		g_assert_cmpstr(r.err, ==, want);
		g_free(want);
	}
	free_result(&r);

	/* global errors have no line */
	{
		char *empty = write_file(dir, "empty.scn", "", 0);
		char *want = g_strdup_printf(
		        "%s: no VMs: a scenario needs at least one [vm NAME] section\n", empty);

		r = run_tool((const char *[]){ "check", empty, NULL }, NULL);
		g_assert_cmpint(exit_code(&r), ==, 1);
		g_assert_cmpstr(r.err, ==, want);
		free_result(&r);
		g_free(want);
		g_free(empty);
	}

	r = run_tool((const char *[]){ "check", good, "--pcpus", "1", NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 1);
	g_assert_nonnull(strstr(r.err, "good.scn:9: pCPU 1 does not exist (board has 1)\n"));
	free_result(&r);

	r = run_tool((const char *[]){ "check", "--pcpus=2", good, NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 0);
	free_result(&r);

	r = run_tool((const char *[]){ "check", missing, NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 1);
	g_assert_nonnull(strstr(r.err, "nope.scn"));
	free_result(&r);

	/* check --search */
	r = run_tool((const char *[]){ "check", good, "--search", mods, NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 1);
	{
		char *want = g_strdup_printf("%s:5: vm a: kernel module 'bz' not found in %s\n",
		                             good, mods);

		g_assert_cmpstr(r.err, ==, want);
		g_free(want);
	}
	free_result(&r);

	g_free(write_file(mods, "bz", "not a kernel", 12));
	r = run_tool((const char *[]){ "check", good, "--search", dir, "--search", mods, NULL },
	             NULL);
	g_assert_cmpint(exit_code(&r), ==, 1);
	g_assert_nonnull(strstr(r.err, "good.scn:5: vm a: kernel "));
	g_assert_nonnull(strstr(r.err, "is not a bzImage"));
	free_result(&r);

	memcpy(bz + 0x202, "HdrS", 4);
	g_free(write_file(mods, "bz", bz, sizeof(bz)));
	r = run_tool((const char *[]){ "check", good, "--search", dir, "--search", mods, NULL },
	             NULL);
	g_assert_cmpint(exit_code(&r), ==, 1);
	{
		char *want = g_strdup_printf("%s:6: vm a: initrd module 'rd' not found in %s, %s\n",
		                             good, dir, mods);

		g_assert_cmpstr(r.err, ==, want);
		g_free(want);
	}
	free_result(&r);

	g_free(write_file(dir, "rd", "x", 1));
	r = run_tool((const char *[]){ "check", good, "--search", dir, "--search", mods, NULL },
	             NULL);
	g_assert_cmpint(exit_code(&r), ==, 0);
	free_result(&r);

	/* raw kernels are not checked for the bzImage signature */
	raw = write_file(
	        dir, "raw.scn",
	        "[vm t]\nload_order = PRE_LAUNCHED\ncpus = 0\nmemory = 4M\nkernel = rd\n"
	        "kernel_type = raw\nload_addr = 0x200000\n",
	        strlen("[vm t]\nload_order = PRE_LAUNCHED\ncpus = 0\nmemory = 4M\nkernel = "
	               "rd\nkernel_type = raw\nload_addr = 0x200000\n"));
	r = run_tool((const char *[]){ "check", raw, "--search", dir, NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 0);
	free_result(&r);

	/* modules */
	r = run_tool((const char *[]){ "modules", good, NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 0);
	g_assert_cmpstr(r.out, ==, "bz\nrd\n");
	free_result(&r);

	r = run_tool((const char *[]){ "modules", bad, NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 1);
	g_assert_cmpstr(r.out, ==, "");
	free_result(&r);

	/* show: normalized text that parses back to the same scenario */
	r = run_tool((const char *[]){ "show", good, NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 0);
	{
		struct scenario a, b;

		parse_ok(good_text, 0, &a);
		parse_ok(r.out, 0, &b);
		assert_same_scenario(&a, &b);
		g_assert_nonnull(strstr(r.out, "\n[vm b]\nload_order = PRE_LAUNCHED\ncpus = 1\n"
		                               "memory = 64M\nkernel = bz\nkernel_type = bzimage\n"
		                               "vuart = 0x3f8,4\non_triple_fault = poweroff\n"
		                               "test_device = no\n"));
	}
	free_result(&r);

	/* standard input */
	r = run_tool((const char *[]){ "check", NULL }, good_text);
	g_assert_cmpint(exit_code(&r), ==, 0);
	g_assert_true(g_str_has_prefix(r.out, "-: ok: 2 VMs"));
	free_result(&r);

	/* usage */
	r = run_tool((const char *[]){ "--help", NULL }, NULL);
	g_assert_cmpint(exit_code(&r), ==, 0);
	g_assert_true(g_str_has_prefix(r.out, "Usage: acrn-scenario COMMAND FILE"));
	free_result(&r);

	static const struct {
		const char *args[6];
		const char *msg;
	} usage[] = {
		{ { NULL }, "acrn-scenario: missing command (check, modules or show)\n" },
		{ { "frob", "x", NULL },
		  "acrn-scenario: unknown command 'frob' (expected check, modules or show)\n" },
		{ { "check", NULL }, "acrn-scenario: check: missing FILE\n" },
		{ { "check", "a", "b", NULL }, "acrn-scenario: unexpected argument 'b'\n" },
		{ { "check", "a", "--frob", NULL }, "acrn-scenario: unknown option '--frob'\n" },
		{ { "check", "a", "--pcpus", NULL }, "acrn-scenario: --pcpus needs a value\n" },
		{ { "check", "a", "--pcpus", "0", NULL },
		  "acrn-scenario: --pcpus '0': expected a number from 1 to 64\n" },
		{ { "check", "a", "--pcpus=65", NULL },
		  "acrn-scenario: --pcpus '65': expected a number from 1 to 64\n" },
		{ { "check", "a", "--pcpus", "2x", NULL },
		  "acrn-scenario: --pcpus '2x': expected a number from 1 to 64\n" },
		{ { "check", "a", "--search", NULL },
		  "acrn-scenario: --search needs a directory\n" },
		{ { "show", "a", "--search", "d", NULL },
		  "acrn-scenario: --search only applies to check\n" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(usage); i++) {
		char *want = g_strconcat(
		        usage[i].msg, "Try 'acrn-scenario --help' for more information.\n", NULL);

		r = run_tool(usage[i].args, NULL);
		g_assert_cmpint(exit_code(&r), ==, 2);
		g_assert_cmpstr(r.err, ==, want);
		g_assert_cmpstr(r.out, ==, "");
		free_result(&r);
		g_free(want);
	}

	g_free(good);
	g_free(bad);
	g_free(raw);
	g_free(missing);
	g_free(mods);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/scenario/parse/full", test_full);
	g_test_add_func("/scenario/parse/defaults", test_defaults);
	g_test_add_func("/scenario/parse/log-levels", test_log_levels);
	g_test_add_func("/scenario/parse/names", test_names);
	g_test_add_func("/scenario/parse/shared-and-limits", test_shared_and_limits);
	g_test_add_func("/scenario/parse/samples", test_samples);
	g_test_add_func("/scenario/parse/bridge", test_bridge);
	g_test_add_func("/scenario/format/truncation", test_format_truncation);
	for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
		char *name = g_strdup_printf("/scenario/error/%03zu", i);

		g_test_add_data_func(name, &error_cases[i], test_error_case);
		g_free(name);
	}
	g_test_add_func("/scenario/error/bootargs-too-long", test_bootargs_too_long);
	g_test_add_func("/scenario/error/pcpu-limit", test_too_many_vcpus_pcpus);
	g_test_add_func("/scenario/error/long-messages", test_long_messages);
	g_test_add_func("/scenario/error/bad-arguments", test_bad_arguments);
	g_test_add_func("/scenario/error/len-respected", test_len_respected);
	g_test_add_func("/scenario/robust/prefixes", test_prefixes);
	g_test_add_func("/scenario/robust/random-bytes", test_random_bytes);
	g_test_add_func("/scenario/robust/mutations", test_mutations);
	g_test_add_func("/scenario/robust/grammar-soup", test_grammar_soup);
	g_test_add_func("/scenario/tool", test_tool);
	return g_test_run();
}
