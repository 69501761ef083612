/* SPDX-License-Identifier: BSD-3-Clause */
/* The atomic store, runtime records and the lifecycle state machine. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "state.h"
#include "store.h"

static char *tmpdir(void)
{
	return g_dir_make_tmp("acrnd-store-XXXXXX", NULL);
}

static void rm_rf(const char *dir)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	g_assert_cmpint(system(cmd), ==, 0);
}

static struct acrnd_def *def_named(const char *name)
{
	g_autofree char *xml = g_strdup_printf("<domain type='acrn'><name>%s</name><memory>65536"
	                                       "</memory><os><kernel>/k</kernel></os></domain>",
	                                       name);
	struct acrnd_def *def = NULL;

	g_assert_cmpint(acrnd_def_parse(xml, strlen(xml), &def, NULL), ==, 0);
	return def;
}

static void test_atomic_write(void)
{
	g_autofree char *d = tmpdir();
	g_autofree char *path = g_build_filename(d, "f", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	g_autoptr(GDir) dir = NULL;
	GStatBuf st;
	int n = 0;

	g_assert_cmpint(acrnd_atomic_write(d, "f", "one", 3, &err), ==, 0);
	g_assert_cmpint(acrnd_atomic_write(d, "f", "second", 6, &err), ==, 0);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "second");
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	/* No temporary file is left behind. */
	dir = g_dir_open(d, 0, NULL);
	while (g_dir_read_name(dir))
		n++;
	g_assert_cmpint(n, ==, 1);
	/* A directory that does not exist: an error naming it, nothing written. */
	g_assert_cmpint(acrnd_atomic_write("/nonexistent/x", "f", "a", 1, &err), ==, -ENOENT);
	g_assert_nonnull(strstr(err->message, "/nonexistent/x"));
	rm_rf(d);
}

static void test_defs(void)
{
	g_autofree char *d = tmpdir();
	g_autofree char *state = g_build_filename(d, "state", NULL);
	g_autofree char *run = g_build_filename(d, "run", NULL);
	g_autofree char *junk = NULL, *renamed = NULL;
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) defs = NULL;
	struct acrnd_store *s = NULL;
	struct acrnd_def *a = def_named("alpha"), *b = def_named("beta");

	g_assert_cmpint(acrnd_store_open(state, run, &s, NULL), ==, 0);
	g_assert_cmpint(acrnd_store_save_def(s, a, NULL), ==, 0);
	g_assert_cmpint(acrnd_store_save_def(s, b, NULL), ==, 0);
	g_assert_cmpint(acrnd_store_set_autostart(s, "beta", true, NULL), ==, 0);
	g_assert_true(acrnd_store_get_autostart(s, "beta"));
	g_assert_false(acrnd_store_get_autostart(s, "alpha"));
	/* Damaged and misnamed files are reported, not loaded. */
	junk = g_build_filename(s->vms_dir, "junk.xml", NULL);
	g_assert_true(g_file_set_contents(junk, "<domain", -1, NULL));
	renamed = g_build_filename(s->vms_dir, "gamma.xml", NULL);
	g_assert_true(g_file_set_contents(renamed,
	                                  "<domain type='acrn'><name>alpha</name><memory>65536"
	                                  "</memory><os><kernel>/k</kernel></os></domain>",
	                                  -1, NULL));
	defs = acrnd_store_load_defs(s, problems);
	g_assert_cmpuint(defs->len, ==, 2);
	g_assert_cmpuint(problems->len, ==, 2);
	for (guint i = 0; i < defs->len; i++) {
		struct acrnd_def *x = defs->pdata[i];
		struct acrnd_def *orig = !strcmp(x->name, "alpha") ? a : b;

		g_assert_cmpstr(x->uuid, ==, orig->uuid);
	}
	g_assert_cmpint(acrnd_store_remove_def(s, "beta", NULL), ==, 0);
	g_assert_false(acrnd_store_get_autostart(s, "beta"));
	g_clear_pointer(&defs, g_ptr_array_unref);
	defs = acrnd_store_load_defs(s, problems);
	g_assert_cmpuint(defs->len, ==, 1);
	acrnd_def_free(a);
	acrnd_def_free(b);
	acrnd_store_free(s);
	rm_rf(d);
}

static void test_runtime(void)
{
	g_autofree char *d = tmpdir();
	struct acrnd_runtime rt = { .pid = getpid(), .monitor = "/x/m", .state = "paused" }, r2;
	struct acrnd_store *s = NULL;
	g_autofree char *path = NULL;

	rt.start_time = acrnd_proc_start_time(getpid());
	g_assert_cmpuint(rt.start_time, >, 0);
	g_assert_cmpuint(acrnd_proc_start_time(getppid()), <=, rt.start_time);
	g_assert_cmpint(acrnd_store_open(d, d, &s, NULL), ==, 0);
	g_assert_cmpint(acrnd_store_load_runtime(s, "vm", &r2), ==, -ENOENT);
	g_assert_cmpint(acrnd_store_save_runtime(s, "vm", &rt, NULL), ==, 0);
	g_assert_cmpint(acrnd_store_load_runtime(s, "vm", &r2), ==, 0);
	g_assert_cmpint(r2.pid, ==, getpid());
	g_assert_cmpuint(r2.start_time, ==, rt.start_time);
	g_assert_cmpstr(r2.monitor, ==, "/x/m");
	g_assert_cmpstr(r2.state, ==, "paused");
	acrnd_runtime_clear(&r2);
	path = g_build_filename(d, "vm.run", NULL);
	g_assert_true(g_file_set_contents(path, "{\"pid\": 1}", -1, NULL));
	g_assert_cmpint(acrnd_store_load_runtime(s, "vm", &r2), ==, -EINVAL);
	g_assert_cmpint(acrnd_store_remove_runtime(s, "vm"), ==, 0);
	g_assert_cmpint(acrnd_store_load_runtime(s, "vm", &r2), ==, -ENOENT);
	acrnd_store_free(s);
	rm_rf(d);
}

static void test_states(void)
{
	g_assert_true(acrnd_state_transition_ok(ACRND_STATE_SHUTOFF, ACRND_STATE_STARTING));
	g_assert_false(acrnd_state_transition_ok(ACRND_STATE_SHUTOFF, ACRND_STATE_RUNNING));
	g_assert_false(acrnd_state_transition_ok(ACRND_STATE_SHUTOFF, ACRND_STATE_PAUSED));
	g_assert_true(acrnd_state_transition_ok(ACRND_STATE_STARTING, ACRND_STATE_RUNNING));
	g_assert_true(acrnd_state_transition_ok(ACRND_STATE_RUNNING, ACRND_STATE_PAUSED));
	g_assert_true(acrnd_state_transition_ok(ACRND_STATE_PAUSED, ACRND_STATE_RUNNING));
	g_assert_false(acrnd_state_transition_ok(ACRND_STATE_PAUSED, ACRND_STATE_SUSPENDED));
	g_assert_true(acrnd_state_transition_ok(ACRND_STATE_RUNNING, ACRND_STATE_CRASHED));
	g_assert_true(acrnd_state_transition_ok(ACRND_STATE_CRASHED, ACRND_STATE_STARTING));
	g_assert_false(acrnd_state_transition_ok(ACRND_STATE_CRASHED, ACRND_STATE_RUNNING));
	g_assert_false(acrnd_state_transition_ok(ACRND_STATE_RUNNING, ACRND_STATE_RUNNING));
	g_assert_false(acrnd_state_transition_ok(-1, ACRND_STATE_RUNNING));
	g_assert_false(acrnd_state_transition_ok(ACRND_STATE_RUNNING, _ACRND_STATE_MAX));
	for (int i = 0; i < _ACRND_STATE_MAX; i++)
		g_assert_cmpint(acrnd_state_from_string(acrnd_state_to_string(i)), ==, i);
	g_assert_cmpint(acrnd_state_from_string("bogus"), ==, -EINVAL);
	g_assert_cmpstr(acrnd_state_to_string(ACRND_STATE_SHUTTING_DOWN), ==, "shutting-down");
	g_assert_false(acrnd_state_is_active(ACRND_STATE_CRASHED));
	g_assert_true(acrnd_state_is_active(ACRND_STATE_PAUSED));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/acrnd/store/atomic-write", test_atomic_write);
	g_test_add_func("/acrnd/store/defs", test_defs);
	g_test_add_func("/acrnd/store/runtime", test_runtime);
	g_test_add_func("/acrnd/state/transitions", test_states);
	return g_test_run();
}
