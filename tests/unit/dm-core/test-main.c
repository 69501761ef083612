/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm as a program (main.c with a fake transport and doubles): exit
 * statuses, one-line errors, and the whole run from start to guest
 * power-off, reboot and SIGTERM.
 */
#include <gio/gio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static const char *prog;
static char *kernel_path;

struct run {
	int status; /* exit status, or -signal */
	char *out, *err;
};

static struct run run_dm(const char *guest, const char *const *args, bool sigterm)
{
	GSubprocessLauncher *l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	                                                   G_SUBPROCESS_FLAGS_STDERR_PIPE);
	GPtrArray *argv = g_ptr_array_new();
	GSubprocess *p;
	GError *err = NULL;
	struct run r = { 0 };

	if (guest)
		g_subprocess_launcher_setenv(l, "FAKE_GUEST", guest, TRUE);
	g_ptr_array_add(argv, (char *)prog);
	for (; *args; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	p = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata, &err);
	g_assert_no_error(err);
	if (sigterm) {
		g_usleep(300000);
		g_subprocess_send_signal(p, SIGTERM);
	}
	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, &r.out, &r.err, &err));
	g_assert_no_error(err);
	r.status = g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p)
	                                         : -g_subprocess_get_term_sig(p);
	g_test_message("exit %d, stderr:\n%s", r.status, r.err);
	g_object_unref(p);
	g_object_unref(l);
	g_ptr_array_free(argv, TRUE);
	return r;
}

static void run_free(struct run *r)
{
	g_free(r->out);
	g_free(r->err);
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_help(void)
{
	const char *h[] = { "--help", NULL }, *v[] = { "-v", NULL };
	struct run r = run_dm(NULL, h, false);

	g_assert_cmpint(r.status, ==, 0);
	g_assert_true(g_str_has_prefix(r.out, "Usage: acrn-dm [options] VM_NAME"));
	run_free(&r);
	r = run_dm(NULL, v, false);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_true(g_str_has_prefix(r.out, "acrn-dm "));
	run_free(&r);
}

static void test_usage_errors(void)
{
	const char *a[] = { "-m", "lots", "-k", "/k", "vm", NULL }, *b[] = { NULL };
	struct run r = run_dm(NULL, a, false);

	/* Exactly one line naming the option, status 2. */
	g_assert_cmpint(r.status, ==, 2);
	g_assert_cmpstr(r.err, ==, "acrn-dm: -m: \"lots\" is not a memory size (e.g. 512M, 2G)\n");
	run_free(&r);
	r = run_dm(NULL, b, false);
	g_assert_cmpint(r.status, ==, 2);
	g_assert_cmpuint(count(r.err, "\n"), ==, 1);
	g_assert_nonnull(strstr(r.err, "no VM name"));
	run_free(&r);
}

static void test_runtime_errors(void)
{
	const char *a[] = { "--transport", "kernel", "-k", "/k", "vm", NULL };
	const char *b[] = { "-k", kernel_path, "-s", "3,bogus", "vm", NULL };
	const char *c[] = { "-k", "/nonexistent/bzImage", "vm", NULL };
	const char *d[] = { "-k", kernel_path, "--cmd_monitor", "/nonexistent/sock", "vm", NULL };
	struct run r = run_dm(NULL, a, false);

	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "/dev/acrn_hsm"));
	run_free(&r);
	r = run_dm(NULL, b, false);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "-s 3,bogus: unknown emulation \"bogus\""));
	run_free(&r);
	r = run_dm(NULL, c, false);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "kernel (-k): "));
	g_assert_nonnull(strstr(r.err, "/nonexistent/bzImage"));
	run_free(&r);
	r = run_dm(NULL, d, false);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "cannot listen on /nonexistent/sock"));
	run_free(&r);
}

static void test_poweroff(void)
{
	const char *a[] = { "-m", "64M",           "-c",  "2", "-k", kernel_path,
		            "-B", "console=ttyS0", "vm1", NULL };
	struct run r = run_dm("poweroff", a, false);

	/* Guest power-off: the event, then exit 0. */
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.err, "event: shutdown {\"reason\":\"guest-poweroff\"}"));
	g_assert_nonnull(strstr(r.err, "event: poweroff {\"reason\":\"guest\"}"));
	g_assert_nonnull(strstr(r.err, "acrn-dm: vm1: "));
	g_assert_cmpuint(count(r.err, "Linux boot protocol"), ==, 1);
	run_free(&r);
}

static void test_reboot(void)
{
	const char *a[] = { "-m", "64M", "-k", kernel_path, "vm1", NULL };
	struct run r = run_dm("reboot", a, false);
	const char *reboot, *off;

	g_assert_cmpint(r.status, ==, 0);
	reboot = strstr(r.err, "event: reboot {\"reason\":\"guest\"}");
	off = strstr(r.err, "event: poweroff");
	g_assert_nonnull(reboot);
	g_assert_nonnull(off);
	g_assert_true(reboot < off);
	/* The kernel is loaded again for the reboot. */
	g_assert_cmpuint(count(r.err, "Linux boot protocol"), ==, 2);
	run_free(&r);
}

static void test_sigterm(void)
{
	const char *a[] = { "-m", "64M", "-k", kernel_path, "vm1", NULL };
	struct run r = run_dm("idle", a, true);

	/* SIGTERM is a graceful power-off. */
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.err, "signal received"));
	g_assert_nonnull(strstr(r.err, "event: poweroff {\"reason\":\"signal\"}"));
	g_assert_null(strstr(r.err, "event: shutdown"));
	run_free(&r);
}

/* The smallest bzImage the loader accepts. */
static char *write_kernel(void)
{
	size_t size = 5 * 512 + 4096;
	uint8_t *k = g_malloc0(size);
	uint32_t syssize = 4096 / 16;
	uint16_t v;
	char *path;
	int fd;

	k[0x1F1] = 4;
	memcpy(k + 0x1F4, &syssize, 4);
	v = 0xAA55;
	memcpy(k + 0x1FE, &v, 2);
	k[0x201] = 0x66;
	memcpy(k + 0x202, "HdrS", 4);
	v = 0x020F;
	memcpy(k + 0x206, &v, 2);
	k[0x211] = 1;
	k[0x239] = 0x08; /* cmdline_size 2048 */
	fd = g_file_open_tmp("acrn-dm-kernel-XXXXXX", &path, NULL);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, k, size), ==, (ssize_t)size);
	close(fd);
	g_free(k);
	return path;
}

int main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	prog = g_getenv("ACRN_DM_FAKE");
	g_assert_nonnull(prog);
	kernel_path = write_kernel();
	g_test_add_func("/dm-core/main/help", test_help);
	g_test_add_func("/dm-core/main/usage-errors", test_usage_errors);
	g_test_add_func("/dm-core/main/runtime-errors", test_runtime_errors);
	g_test_add_func("/dm-core/main/poweroff", test_poweroff);
	g_test_add_func("/dm-core/main/reboot", test_reboot);
	g_test_add_func("/dm-core/main/sigterm", test_sigterm);
	ret = g_test_run();
	unlink(kernel_path);
	g_free(kernel_path);
	return ret;
}
