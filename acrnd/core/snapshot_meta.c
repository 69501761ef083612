/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What acrnd knows about a VM's snapshots beyond the images (description,
 * VM state, parent, current): STATE_DIR/snapshots/VM.json, read on every
 * use and written atomically, as definitions are.
 *
 *   {"current": "s2", "snapshots": [{"name": "s1", "description": "",
 *     "created": 1764010000, "state": "running", "parent": ""}, ...]}
 */
#include <errno.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "snapshot_priv.h"

void acrnd_snapshot_free(struct acrnd_snapshot *s)
{
	if (!s)
		return;
	g_free(s->name);
	g_free(s->description);
	g_free(s->state);
	g_free(s->parent);
	g_free(s);
}

struct acrnd_snapshot *snapshot_meta_entry(const char *name, const char *description,
                                           int64_t created, const char *state, const char *parent)
{
	struct acrnd_snapshot *s = g_new0(struct acrnd_snapshot, 1);

	s->name = g_strdup(name);
	s->description = g_strdup(description ? description : "");
	s->created = created;
	s->state = g_strdup(state ? state : "");
	s->parent = g_strdup(parent ? parent : "");
	return s;
}

void snapshot_meta_free(struct snapshot_meta *m)
{
	if (!m)
		return;
	g_ptr_array_unref(m->snaps);
	g_free(m->current);
	g_free(m->dir);
	g_free(m->file);
	g_free(m);
}

struct acrnd_snapshot *snapshot_meta_find(struct snapshot_meta *m, const char *name)
{
	for (guint i = 0; i < m->snaps->len; i++) {
		struct acrnd_snapshot *s = m->snaps->pdata[i];

		if (!strcmp(s->name, name))
			return s;
	}
	return NULL;
}

static const char *member_string(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
	               ? json_node_get_string(n)
	               : NULL;
}

/* A damaged file is reported and treated as empty: the images still hold the snapshots. */
struct snapshot_meta *snapshot_meta_load(struct acrnd_store *store, const char *vm)
{
	struct snapshot_meta *m = g_new0(struct snapshot_meta, 1);
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) err = NULL;
	JsonObject *root;
	JsonArray *a;
	JsonNode *n;

	m->snaps = g_ptr_array_new_with_free_func((GDestroyNotify)acrnd_snapshot_free);
	m->dir = g_build_filename(store->state_dir, "snapshots", NULL);
	m->file = g_strdup_printf("%s.json", vm);
	{
		g_autofree char *path = g_build_filename(m->dir, m->file, NULL);

		if (!g_file_test(path, G_FILE_TEST_EXISTS))
			return m;
		if (!json_parser_load_from_mapped_file(p, path, &err)) {
			g_warning("snapshot metadata %s: %s; ignored", path, err->message);
			return m;
		}
	}
	n = json_parser_get_root(p);
	if (!n || !JSON_NODE_HOLDS_OBJECT(n))
		return m;
	root = json_node_get_object(n);
	m->current = g_strdup(member_string(root, "current"));
	n = json_object_get_member(root, "snapshots");
	a = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
	for (guint i = 0; a && i < json_array_get_length(a); i++) {
		JsonNode *e = json_array_get_element(a, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
		const char *name = o ? member_string(o, "name") : NULL;
		JsonNode *c = o ? json_object_get_member(o, "created") : NULL;

		if (!name || snapshot_meta_find(m, name))
			continue;
		g_ptr_array_add(m->snaps,
		                snapshot_meta_entry(
		                        name, member_string(o, "description"),
		                        c && JSON_NODE_HOLDS_VALUE(c) &&
		                                        json_node_get_value_type(c) == G_TYPE_INT64
		                                ? json_node_get_int(c)
		                                : 0,
		                        member_string(o, "state"), member_string(o, "parent")));
	}
	return m;
}

int snapshot_meta_save(struct snapshot_meta *m, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) g = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	size_t len;

	if (g_mkdir_with_parents(m->dir, 0700) < 0) {
		int e = errno;

		g_set_error(error, ACRND_ERROR, e, "cannot create %s: %s", m->dir, g_strerror(e));
		return -e;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "current");
	json_builder_add_string_value(b, m->current ? m->current : "");
	json_builder_set_member_name(b, "snapshots");
	json_builder_begin_array(b);
	for (guint i = 0; i < m->snaps->len; i++) {
		struct acrnd_snapshot *s = m->snaps->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, s->name);
		json_builder_set_member_name(b, "description");
		json_builder_add_string_value(b, s->description);
		json_builder_set_member_name(b, "created");
		json_builder_add_int_value(b, s->created);
		json_builder_set_member_name(b, "state");
		json_builder_add_string_value(b, s->state);
		json_builder_set_member_name(b, "parent");
		json_builder_add_string_value(b, s->parent);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	json_generator_set_pretty(g, TRUE);
	text = json_generator_to_data(g, &len);
	return acrnd_atomic_write(m->dir, m->file, text, len, error);
}

/* Forget @name: its children hang from its parent, and so does "current". */
void snapshot_meta_remove(struct snapshot_meta *m, const char *name)
{
	struct acrnd_snapshot *gone = snapshot_meta_find(m, name);
	g_autofree char *parent = g_strdup(gone ? gone->parent : "");

	for (guint i = 0; i < m->snaps->len; i++) {
		struct acrnd_snapshot *s = m->snaps->pdata[i];

		if (!strcmp(s->parent, name)) {
			g_free(s->parent);
			s->parent = g_strdup(parent);
		}
	}
	if (m->current && !strcmp(m->current, name)) {
		g_free(m->current);
		m->current = g_strdup(parent);
	}
	if (gone)
		g_ptr_array_remove(m->snaps, gone);
}
