/* SPDX-License-Identifier: BSD-3-Clause */
/* acrn-dm's command line: every option, and a precise message for every mistake. */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "../../../dm/core/cmdline.h"

/* Parse a space-separated command line (no quoting needed by these tests). */
static int parse(struct dm_cmdline *c, const char *line, GError **error)
{
	gchar **argv = g_strsplit(line, " ", -1);
	int ret = dm_cmdline_parse(c, (int)g_strv_length(argv), argv, error);

	g_strfreev(argv);
	return ret;
}

static void test_full(void)
{
	struct dm_cmdline c;
	GError *err = NULL;
	char *argv[] = { "acrn-dm",
		         "-m",
		         "2G",
		         "--cpu_affinity",
		         "2,3",
		         "-s",
		         "0:0,hostbridge",
		         "-s",
		         "3,virtio-blk,/tmp/d.img",
		         "-l",
		         "com1,stdio",
		         "-k",
		         "/boot/bzImage",
		         "-r",
		         "/boot/initrd",
		         "-B",
		         "console=ttyS0 root=/dev/vda rw",
		         "--cmd_monitor",
		         "/run/vm1.sock",
		         "--transport=board",
		         "vm1" };

	g_assert_cmpint(dm_cmdline_parse(&c, G_N_ELEMENTS(argv), argv, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpstr(c.vm_name, ==, "vm1");
	g_assert_cmpuint(c.mem_size, ==, 2ULL << 30);
	g_assert_cmpuint(c.cpu_affinity, ==, 0xC);
	g_assert_cmpuint(c.ncpus, ==, 2); /* derived from the affinity, as in ACRN */
	g_assert_cmpuint(c.pci->len, ==, 2);
	g_assert_cmpstr(c.pci->pdata[0], ==, "0:0,hostbridge");
	g_assert_cmpstr(c.pci->pdata[1], ==, "3,virtio-blk,/tmp/d.img");
	g_assert_cmpuint(c.lpc->len, ==, 1);
	g_assert_cmpstr(c.lpc->pdata[0], ==, "com1,stdio");
	g_assert_cmpstr(c.kernel, ==, "/boot/bzImage");
	g_assert_cmpstr(c.initrd, ==, "/boot/initrd");
	g_assert_cmpstr(c.bootargs, ==, "console=ttyS0 root=/dev/vda rw");
	g_assert_cmpstr(c.monitor, ==, "/run/vm1.sock");
	g_assert_cmpstr(c.transport, ==, "board");
	g_assert_false(c.help);
	dm_cmdline_clear(&c);
}

static void test_forms(void)
{
	struct dm_cmdline c;
	GError *err = NULL;

	/* Attached short values, --opt=value, -c, defaults. */
	g_assert_cmpint(parse(&c, "acrn-dm -m512M -c 4 -k=x --kernel=/k vm", &err), ==, -EINVAL);
	g_assert_nonnull(err);
	g_clear_error(&err);
	dm_cmdline_clear(&c);

	g_assert_cmpint(parse(&c, "acrn-dm -m512M -c 4 --kernel=/k --memsize=1G vm_1.a", &err), ==,
	                0);
	g_assert_no_error(err);
	g_assert_cmpuint(c.mem_size, ==, 1ULL << 30);
	g_assert_cmpuint(c.ncpus, ==, 4);
	g_assert_cmpuint(c.cpu_affinity, ==, 0);
	g_assert_null(c.transport);
	dm_cmdline_clear(&c);

	/* Defaults: 256 MiB; a bare number is MiB; odd sizes round up to 2 MiB. */
	g_assert_cmpint(parse(&c, "acrn-dm -k /k vm", &err), ==, 0);
	g_assert_cmpuint(c.mem_size, ==, 256ULL << 20);
	g_assert_cmpuint(c.ncpus, ==, 0);
	dm_cmdline_clear(&c);
	g_assert_cmpint(parse(&c, "acrn-dm -m 100 -k /k vm", &err), ==, 0);
	g_assert_cmpuint(c.mem_size, ==, 100ULL << 20);
	dm_cmdline_clear(&c);
	g_assert_cmpint(parse(&c, "acrn-dm -m 3M -k /k vm", &err), ==, 0);
	g_assert_cmpuint(c.mem_size, ==, 4ULL << 20);
	dm_cmdline_clear(&c);
	g_assert_cmpint(parse(&c, "acrn-dm --cpu_affinity 1-3,6 -c 4 -k /k vm", &err), ==, 0);
	g_assert_cmpuint(c.cpu_affinity, ==, 0x4E);
	g_assert_cmpuint(c.ncpus, ==, 4);
	dm_cmdline_clear(&c);
	/* Help and version need nothing else. */
	g_assert_cmpint(parse(&c, "acrn-dm --help", &err), ==, 0);
	g_assert_true(c.help);
	dm_cmdline_clear(&c);
	g_assert_cmpint(parse(&c, "acrn-dm -v", &err), ==, 0);
	g_assert_true(c.version);
	dm_cmdline_clear(&c);
	g_assert_no_error(err);
}

static void test_sizes(void)
{
	uint64_t v;

	g_assert_cmpint(dm_parse_size("2G", &v), ==, 0);
	g_assert_cmpuint(v, ==, 2ULL << 30);
	g_assert_cmpint(dm_parse_size("1024k", &v), ==, 0);
	g_assert_cmpuint(v, ==, 1ULL << 20);
	g_assert_cmpint(dm_parse_size("3GiB", &v), ==, 0);
	g_assert_cmpuint(v, ==, 3ULL << 30);
	g_assert_cmpint(dm_parse_size("1T", &v), ==, 0);
	g_assert_cmpuint(v, ==, 1ULL << 40);
	g_assert_cmpint(dm_parse_size("", &v), ==, -EINVAL);
	g_assert_cmpint(dm_parse_size("-1G", &v), ==, -EINVAL);
	g_assert_cmpint(dm_parse_size("1X", &v), ==, -EINVAL);
	g_assert_cmpint(dm_parse_size("1GG", &v), ==, -EINVAL);
	g_assert_cmpint(dm_parse_size("99999999999999999999", &v), ==, -EINVAL);
	g_assert_cmpint(dm_parse_size("99999999999T", &v), ==, -ERANGE);
	g_assert_cmpint(dm_parse_cpu_list("0", &v), ==, 0);
	g_assert_cmpuint(v, ==, 1);
	g_assert_cmpint(dm_parse_cpu_list("63", &v), ==, 0);
	g_assert_cmpuint(v, ==, 1ULL << 63);
	g_assert_cmpint(dm_parse_cpu_list("64", &v), ==, -EINVAL);
	g_assert_cmpint(dm_parse_cpu_list("3-1", &v), ==, -EINVAL);
	g_assert_cmpint(dm_parse_cpu_list("1,,2", &v), ==, -EINVAL);
	g_assert_cmpint(dm_parse_cpu_list("1-2-3", &v), ==, -EINVAL);
	g_assert_cmpint(dm_parse_cpu_list("a", &v), ==, -EINVAL);
}

/* Each bad command line fails with a message containing every listed fragment. */
static const struct {
	const char *line;
	const char *msg[2];
} bad[] = {
	{ "acrn-dm -k /k", { "no VM name", NULL } },
	{ "acrn-dm vm", { "-k FILE is required", NULL } },
	{ "acrn-dm -k /k vm1 vm2", { "unexpected argument \"vm2\"", NULL } },
	{ "acrn-dm -k /k this_name_is_too_long", { "1 to 15 characters", NULL } },
	{ "acrn-dm -k /k bad/name", { "VM name \"bad/name\"", "letters" } },
	{ "acrn-dm -k /k -m lots vm", { "-m:", "\"lots\" is not a memory size" } },
	{ "acrn-dm -k /k -m 1K vm", { "-m:", "out of range" } },
	{ "acrn-dm -k /k --memsize 1T vm", { "--memsize:", "out of range" } },
	{ "acrn-dm -k /k -c 0 vm", { "-c:", "not a vCPU count from 1 to 16" } },
	{ "acrn-dm -k /k --cpus 17 vm", { "--cpus:", "1 to 16" } },
	{ "acrn-dm -k /k --cpu_affinity x vm", { "--cpu_affinity:", "\"x\"" } },
	{ "acrn-dm -k /k --cpu_affinity 0-20 vm", { "--cpu_affinity:", "at most 16" } },
	{ "acrn-dm -k /k --cpu_affinity 1,2 -c 3 vm", { "--cpus 3 disagrees", "lists 2" } },
	{ "acrn-dm -k /k -s virtio-blk vm", { "-s:", "SLOT[:FUNC],EMULATION" } },
	{ "acrn-dm -k /k -l stdio vm", { "-l:", "COMx,BACKEND" } },
	{ "acrn-dm -k /k -k /k2 vm", { "-k given twice", NULL } },
	{ "acrn-dm -k /k --transport=vmm vm", { "--transport:", "kernel or board" } },
	{ "acrn-dm -k /k --frobnicate vm", { "unknown option --frobnicate", NULL } },
	{ "acrn-dm -k /k -x vm", { "unknown option -x", NULL } },
	{ "acrn-dm -k /k vm -m", { "-m needs a value", NULL } },
	{ "acrn-dm -k /k --help=yes vm", { "--help takes no value", NULL } },
	{ "acrn-dm -k /k -hv vm", { "-h takes no value", NULL } },
	{ "acrn-dm -k /k --cmd_monitor= vm", { "--cmd_monitor: empty value", NULL } },
};

static void test_bad(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct dm_cmdline c;
		GError *err = NULL;

		g_test_message("%s", bad[i].line);
		g_assert_cmpint(parse(&c, bad[i].line, &err), ==, -EINVAL);
		g_assert_nonnull(err);
		g_assert_null(strchr(err->message, '\n')); /* one line */
		for (int j = 0; j < 2 && bad[i].msg[j]; j++)
			if (!strstr(err->message, bad[i].msg[j]))
				g_error("\"%s\": message \"%s\" lacks \"%s\"", bad[i].line,
				        err->message, bad[i].msg[j]);
		g_error_free(err);
		dm_cmdline_clear(&c);
	}
}

static void test_usage(void)
{
	/* The help text lists every option. */
	static const char *const opts[] = { "--memsize",   "--cpus",     "--cpu_affinity",
		                            "--pci_slot",  "--lpc",      "--kernel",
		                            "--ramdisk",   "--bootargs", "--cmd_monitor",
		                            "--transport", "--help",     "--version",
		                            "-m,",         "-c,",        "-s,",
		                            "-l,",         "-k,",        "-r,",
		                            "-B,",         "-h,",        "-v," };

	for (size_t i = 0; i < G_N_ELEMENTS(opts); i++)
		g_assert_nonnull(strstr(dm_cmdline_usage, opts[i]));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dm-core/cmdline/full", test_full);
	g_test_add_func("/dm-core/cmdline/forms", test_forms);
	g_test_add_func("/dm-core/cmdline/sizes", test_sizes);
	g_test_add_func("/dm-core/cmdline/bad", test_bad);
	g_test_add_func("/dm-core/cmdline/usage", test_usage);
	return g_test_run();
}
