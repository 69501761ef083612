/* SPDX-License-Identifier: BSD-3-Clause */
/* The VM registry and the event hub. */
#include <string.h>

#include "vm_priv.h"

struct listener_slot {
	const struct acrnd_listener *l;
	void *user;
};

#define EMIT(m, member, ...)                                                              \
	do {                                                                              \
		for (guint i_ = 0; i_ < (m)->listeners->len; i_++) {                      \
			struct listener_slot *s_ =                                        \
			        &g_array_index((m)->listeners, struct listener_slot, i_); \
			if (s_->l->member)                                                \
				s_->l->member(__VA_ARGS__, s_->user);                     \
		}                                                                         \
	} while (0)

static void vm_free_cb(gpointer p)
{
	vm_free(p);
}

int acrnd_manager_new(const struct acrnd_config *cfg, struct acrnd_manager **ret, GError **error)
{
	struct acrnd_manager *m = g_new0(struct acrnd_manager, 1);
	int rc;

	rc = acrnd_store_open(cfg->state_dir, cfg->runtime_dir, &m->store, error);
	if (rc) {
		g_free(m);
		return rc;
	}
	m->dm_path = g_strdup(cfg->dm_path);
	m->no_autostart = cfg->no_autostart;
	m->vms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, vm_free_cb);
	m->listeners = g_array_new(FALSE, TRUE, sizeof(struct listener_slot));
	*ret = m;
	return 0;
}

void acrnd_manager_free(struct acrnd_manager *m)
{
	if (!m)
		return;
	g_hash_table_destroy(m->vms);
	g_array_free(m->listeners, TRUE);
	acrnd_store_free(m->store);
	g_free(m->dm_path);
	g_free(m);
}

void acrnd_manager_subscribe(struct acrnd_manager *m, const struct acrnd_listener *l, void *user)
{
	struct listener_slot s = { l, user };

	g_array_append_val(m->listeners, s);
}

void manager_emit_state(struct acrnd_manager *m, struct acrnd_vm *vm, const char *reason)
{
	EMIT(m, state_changed, vm, vm->state, reason ? reason : "");
}

void manager_emit_event(struct acrnd_manager *m, struct acrnd_vm *vm, const char *name,
                        const char *details_json)
{
	EMIT(m, vm_event, vm, name, details_json);
}

void manager_emit_changed(struct acrnd_manager *m, struct acrnd_vm *vm, const char *property)
{
	EMIT(m, vm_changed, vm, property);
}

void manager_emit_process(struct acrnd_manager *m, struct acrnd_vm *vm)
{
	EMIT(m, process_started, vm, vm->pid);
}

void manager_emit_snapshot(struct acrnd_manager *m, struct acrnd_vm *vm, const char *what,
                           const char *name)
{
	EMIT(m, snapshot_changed, vm, what, name);
}

static void autostart_done(int rc, const GError *error, void *user)
{
	if (rc)
		g_warning("autostart of VM %s failed: %s", (char *)user, error->message);
	g_free(user);
}

int acrnd_manager_load(struct acrnd_manager *m, GPtrArray *problems)
{
	g_autoptr(GPtrArray) defs = acrnd_store_load_defs(m->store, problems);
	g_autoptr(GPtrArray) list = NULL;

	for (guint i = 0; i < defs->len; i++) {
		struct acrnd_def *def = defs->pdata[i];
		struct acrnd_vm *vm;
		struct acrnd_runtime rt;
		int rc;

		defs->pdata[i] = NULL;
		vm = vm_new(m, def);
		g_hash_table_insert(m->vms, g_strdup(def->name), vm);
		rc = acrnd_store_load_runtime(m->store, def->name, &rt);
		if (rc == -ENOENT)
			continue;
		if (rc == 0) {
			rc = vm_adopt(vm, &rt);
			acrnd_runtime_clear(&rt);
		}
		if (rc == -ESRCH)
			g_ptr_array_add(
			        problems,
			        g_strdup_printf("VM %s: its acrn-dm (pid %d) stopped while acrnd "
			                        "was not running",
			                        def->name, (int)rt.pid));
		else if (rc)
			g_ptr_array_add(problems,
			                g_strdup_printf("VM %s: cannot re-adopt acrn-dm: %s",
			                                def->name, g_strerror(-rc)));
		if (rc)
			acrnd_store_remove_runtime(m->store, def->name);
	}
	g_ptr_array_set_size(defs, 0);
	if (m->no_autostart)
		return 0;
	list = acrnd_manager_list(m);
	for (guint i = 0; i < list->len; i++) {
		struct acrnd_vm *vm = list->pdata[i];

		if (vm->autostart && vm->state == ACRND_STATE_SHUTOFF)
			acrnd_vm_start(vm, autostart_done, g_strdup(vm->def->name));
	}
	return 0;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	const struct acrnd_vm *x = *(struct acrnd_vm *const *)a, *y = *(struct acrnd_vm *const *)b;

	return strcmp(x->def->name, y->def->name);
}

GPtrArray *acrnd_manager_list(struct acrnd_manager *m)
{
	GPtrArray *a = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, m->vms);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(a, v);
	g_ptr_array_sort(a, by_name);
	return a;
}

struct acrnd_store *acrnd_manager_store(struct acrnd_manager *m)
{
	return m->store;
}

struct acrnd_vm *acrnd_manager_lookup(struct acrnd_manager *m, const char *name, GError **error)
{
	struct acrnd_vm *vm = name ? g_hash_table_lookup(m->vms, name) : NULL;

	if (!vm)
		g_set_error(error, ACRND_ERROR, ENOENT, "no VM named '%.64s'", name ? name : "");
	return vm;
}

int acrnd_manager_define(struct acrnd_manager *m, const char *xml, size_t len,
                         struct acrnd_vm **ret, GError **error)
{
	struct acrnd_def *def = NULL;
	struct acrnd_vm *vm;
	GHashTableIter it;
	gpointer v;
	int rc;

	rc = acrnd_def_parse(xml, len, &def, error);
	if (rc)
		return rc;
	vm = g_hash_table_lookup(m->vms, def->name);
	if (vm && def->uuid_generated) /* an update keeps the VM's identity */
		g_strlcpy(def->uuid, vm->def->uuid, sizeof(def->uuid));
	g_hash_table_iter_init(&it, m->vms);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct acrnd_vm *o = v;

		if (o != vm && !strcmp(o->def->uuid, def->uuid)) {
			g_set_error(error, ACRND_ERROR, EINVAL, "VM '%s' already has UUID %s",
			            o->def->name, def->uuid);
			acrnd_def_free(def);
			return -EINVAL;
		}
	}
	if (vm && strcmp(vm->def->uuid, def->uuid)) {
		g_set_error(error, ACRND_ERROR, EINVAL, "VM '%s' exists with UUID %s, not %s",
		            def->name, vm->def->uuid, def->uuid);
		acrnd_def_free(def);
		return -EINVAL;
	}
	rc = acrnd_store_save_def(m->store, def, error);
	if (rc) {
		acrnd_def_free(def);
		return rc;
	}
	if (vm) {
		/* A running VM keeps its acrn-dm; the new definition applies at the next start. */
		acrnd_def_free(vm->def);
		vm->def = def;
		manager_emit_changed(m, vm, "Definition");
	} else {
		vm = vm_new(m, def);
		g_hash_table_insert(m->vms, g_strdup(def->name), vm);
		EMIT(m, vm_added, vm);
	}
	if (ret)
		*ret = vm;
	return 0;
}

int acrnd_manager_undefine(struct acrnd_manager *m, const char *name, GError **error)
{
	struct acrnd_vm *vm = acrnd_manager_lookup(m, name, error);
	int rc;

	if (!vm)
		return -ENOENT;
	if (acrnd_state_is_active(vm->state)) {
		g_set_error(error, ACRND_ERROR, EBUSY, "VM '%s' is %s; stop it first", name,
		            acrnd_state_to_string(vm->state));
		return -EBUSY;
	}
	rc = acrnd_store_remove_def(m->store, name, error);
	if (rc)
		return rc;
	acrnd_store_remove_runtime(m->store, name);
	EMIT(m, vm_removed, vm);
	g_hash_table_remove(m->vms, name);
	return 0;
}
