/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "store.h"

#define STORE_ERROR g_quark_from_static_string("acrnd-store")

static int fail_errno(GError **error, int err, const char *what, const char *path)
{
	g_set_error(error, STORE_ERROR, err, "%s %s: %s", what, path, g_strerror(err));
	return -err;
}

static int mkdirs(const char *dir, GError **error)
{
	if (g_mkdir_with_parents(dir, 0700) < 0)
		return fail_errno(error, errno, "cannot create", dir);
	return 0;
}

int acrnd_store_open(const char *state_dir, const char *runtime_dir, struct acrnd_store **ret,
                     GError **error)
{
	struct acrnd_store *s = g_new0(struct acrnd_store, 1);

	s->state_dir = g_strdup(state_dir);
	s->runtime_dir = g_strdup(runtime_dir);
	s->vms_dir = g_build_filename(state_dir, "vms", NULL);
	s->autostart_dir = g_build_filename(state_dir, "autostart", NULL);
	s->log_dir = g_build_filename(state_dir, "log", NULL);
	if (mkdirs(s->vms_dir, error) || mkdirs(s->autostart_dir, error) ||
	    mkdirs(s->log_dir, error) || mkdirs(runtime_dir, error)) {
		acrnd_store_free(s);
		return -EIO;
	}
	*ret = s;
	return 0;
}

struct acrnd_store *acrnd_store_free(struct acrnd_store *s)
{
	if (!s)
		return NULL;
	g_free(s->state_dir);
	g_free(s->runtime_dir);
	g_free(s->vms_dir);
	g_free(s->autostart_dir);
	g_free(s->log_dir);
	g_free(s);
	return NULL;
}

int acrnd_atomic_write(const char *dir, const char *name, const void *data, size_t len,
                       GError **error)
{
	g_autofree char *tmp = g_strdup_printf(".%s.XXXXXX", name);
	g_autofree char *tmp_path = g_build_filename(dir, tmp, NULL);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	const char *p = data;
	int fd, dfd, err = 0;

	fd = g_mkstemp_full(tmp_path, O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail_errno(error, errno, "cannot create a temporary file in", dir);
	while (len > 0 && !err) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno != EINTR)
			err = errno;
		else if (n > 0)
			p += n, len -= n;
	}
	if (!err && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp_path, path) < 0)
		err = errno;
	if (err) {
		unlink(tmp_path);
		return fail_errno(error, err, "cannot write", path);
	}
	/* The rename is durable only once the directory is. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		err = errno;
	if (dfd >= 0)
		close(dfd);
	return err ? fail_errno(error, err, "cannot sync directory", dir) : 0;
}

/* Remove @dir/@name and make that durable; a missing file is fine. */
static int remove_file(const char *dir, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	int dfd;

	if (unlink(path) < 0 && errno != ENOENT)
		return fail_errno(error, errno, "cannot remove", path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int acrnd_store_save_def(struct acrnd_store *s, const struct acrnd_def *def, GError **error)
{
	g_autofree char *xml = acrnd_def_format(def);
	g_autofree char *file = g_strconcat(def->name, ".xml", NULL);

	return acrnd_atomic_write(s->vms_dir, file, xml, strlen(xml), error);
}

int acrnd_store_remove_def(struct acrnd_store *s, const char *name, GError **error)
{
	g_autofree char *file = g_strconcat(name, ".xml", NULL);
	int rc = remove_file(s->autostart_dir, name, error);

	return rc ? rc : remove_file(s->vms_dir, file, error);
}

static void def_free(gpointer p)
{
	acrnd_def_free(p);
}

GPtrArray *acrnd_store_load_defs(struct acrnd_store *s, GPtrArray *problems)
{
	GPtrArray *defs = g_ptr_array_new_with_free_func(def_free);
	g_autoptr(GDir) d = g_dir_open(s->vms_dir, 0, NULL);
	const char *f;

	while (d && (f = g_dir_read_name(d))) {
		g_autofree char *path = NULL, *xml = NULL;
		g_autoptr(GError) err = NULL;
		struct acrnd_def *def;
		gsize len;

		if (f[0] == '.' || !g_str_has_suffix(f, ".xml"))
			continue; /* temporary files of an interrupted write */
		path = g_build_filename(s->vms_dir, f, NULL);
		if (!g_file_get_contents(path, &xml, &len, &err) ||
		    acrnd_def_parse(xml, len, &def, &err) < 0) {
			g_ptr_array_add(problems, g_strdup_printf("%s: %s", path, err->message));
			continue;
		}
		if (strlen(f) != strlen(def->name) + 4 ||
		    strncmp(f, def->name, strlen(def->name))) {
			g_ptr_array_add(problems,
			                g_strdup_printf("%s: holds VM '%s', not the file's name",
			                                path, def->name));
			acrnd_def_free(def);
			continue;
		}
		g_ptr_array_add(defs, def);
	}
	return defs;
}

bool acrnd_store_get_autostart(struct acrnd_store *s, const char *name)
{
	g_autofree char *path = g_build_filename(s->autostart_dir, name, NULL);

	return g_file_test(path, G_FILE_TEST_EXISTS);
}

int acrnd_store_set_autostart(struct acrnd_store *s, const char *name, bool on, GError **error)
{
	if (on)
		return acrnd_atomic_write(s->autostart_dir, name, "", 0, error);
	return remove_file(s->autostart_dir, name, error);
}

char *acrnd_store_monitor_path(struct acrnd_store *s, const char *name)
{
	g_autofree char *f = g_strconcat(name, ".monitor", NULL);

	return g_build_filename(s->runtime_dir, f, NULL);
}

char *acrnd_store_log_path(struct acrnd_store *s, const char *name)
{
	g_autofree char *f = g_strconcat(name, ".log", NULL);

	return g_build_filename(s->log_dir, f, NULL);
}

int acrnd_store_save_runtime(struct acrnd_store *s, const char *name,
                             const struct acrnd_runtime *rt, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *f = g_strconcat(name, ".run", NULL);
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, rt->pid);
	json_builder_set_member_name(b, "start_time");
	json_builder_add_int_value(b, (gint64)rt->start_time);
	json_builder_set_member_name(b, "monitor");
	json_builder_add_string_value(b, rt->monitor);
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, rt->state);
	json_builder_set_member_name(b, "restarts");
	json_builder_add_int_value(b, rt->restarts);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	return acrnd_atomic_write(s->runtime_dir, f, text, strlen(text), error);
}

void acrnd_runtime_clear(struct acrnd_runtime *rt)
{
	g_clear_pointer(&rt->monitor, g_free);
	g_clear_pointer(&rt->state, g_free);
}

int acrnd_store_load_runtime(struct acrnd_store *s, const char *name, struct acrnd_runtime *ret)
{
	g_autofree char *f = g_strconcat(name, ".run", NULL);
	g_autofree char *path = g_build_filename(s->runtime_dir, f, NULL);
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *o;
	gint64 pid;

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return -ENOENT;
	if (!json_parser_load_from_file(p, path, NULL) || !json_parser_get_root(p) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		return -EINVAL;
	o = json_node_get_object(json_parser_get_root(p));
	pid = json_object_get_int_member_with_default(o, "pid", 0);
	if (pid <= 1 || pid > INT32_MAX ||
	    !json_object_get_string_member_with_default(o, "monitor", NULL))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->pid = pid;
	ret->start_time = json_object_get_int_member_with_default(o, "start_time", 0);
	ret->monitor = g_strdup(json_object_get_string_member(o, "monitor"));
	ret->state = g_strdup(json_object_get_string_member_with_default(o, "state", "running"));
	ret->restarts = json_object_get_int_member_with_default(o, "restarts", 0);
	return 0;
}

int acrnd_store_remove_runtime(struct acrnd_store *s, const char *name)
{
	g_autofree char *f = g_strconcat(name, ".run", NULL);

	return remove_file(s->runtime_dir, f, NULL);
}

uint64_t acrnd_proc_start_time(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *text = NULL;
	char *p;
	guint64 v = 0;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	/* comm (field 2) may hold spaces and ')': fields restart after the last ')'. */
	p = strrchr(text, ')');
	if (!p)
		return 0;
	/* p is at the space before field 3 (state); step to the one before field 22. */
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		v = g_ascii_strtoull(p + 1, NULL, 10);
	return v;
}
