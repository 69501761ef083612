/* SPDX-License-Identifier: BSD-3-Clause */
#include <json-glib/json-glib.h>
#include <string.h>

#include <dm/monitor.h>
#include <dm/pci.h>
#include <dm/platform.h>

#include "doubles.h"

GArray *cfg_log;
uint32_t cfg_read_value;
uint32_t acpi_waking_vector;
static GMutex ev_lock;
static GPtrArray *ev_names;
static GPtrArray *ev_data;

void doubles_reset(void)
{
	if (cfg_log)
		g_array_free(cfg_log, TRUE);
	cfg_log = g_array_new(FALSE, TRUE, sizeof(struct cfg_access));
	acpi_waking_vector = 0;
	g_mutex_lock(&ev_lock);
	if (ev_names)
		g_ptr_array_free(ev_names, TRUE);
	if (ev_data)
		g_ptr_array_free(ev_data, TRUE);
	ev_names = g_ptr_array_new_with_free_func(g_free);
	ev_data = g_ptr_array_new_with_free_func(g_free);
	g_mutex_unlock(&ev_lock);
}

void pci_cfg_access(struct dm_vm *vm, unsigned bus, unsigned slot, unsigned func, unsigned reg,
                    unsigned size, bool write, uint32_t *val)
{
	struct cfg_access a = { bus, slot, func, reg, size, write, write ? *val : 0 };

	(void)vm;
	g_array_append_val(cfg_log, a);
	if (!write)
		*val = cfg_read_value;
}

uint32_t dm_acpi_waking_vector(struct dm_vm *vm)
{
	(void)vm;
	return acpi_waking_vector;
}

struct pci_dev *pci_find(struct dm_vm *vm, unsigned slot, unsigned func)
{
	(void)vm;
	(void)slot;
	(void)func;
	return NULL;
}

bool doubles_print_events;

void dm_event_emit(const char *name, JsonObject *data)
{
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);
	char *text;

	json_node_take_object(n, data ? data : json_object_new());
	text = json_to_string(n, FALSE);
	if (doubles_print_events)
		g_printerr("event: %s %s\n", name, text);
	g_mutex_lock(&ev_lock);
	g_ptr_array_add(ev_names, g_strdup(name));
	g_ptr_array_add(ev_data, text);
	g_mutex_unlock(&ev_lock);
	json_node_unref(n);
}

char *events_joined(void)
{
	GString *s = g_string_new("");

	g_mutex_lock(&ev_lock);
	for (guint i = 0; i < ev_names->len; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "", (char *)ev_names->pdata[i]);
	g_mutex_unlock(&ev_lock);
	return g_string_free(s, FALSE);
}

char *event_string(const char *name, const char *key)
{
	char *r = NULL;

	g_mutex_lock(&ev_lock);
	for (guint i = 0; i < ev_names->len && !r; i++) {
		JsonNode *n;

		if (strcmp(ev_names->pdata[i], name))
			continue;
		n = json_from_string(ev_data->pdata[i], NULL);
		if (n && json_object_has_member(json_node_get_object(n), key))
			r = g_strdup(json_object_get_string_member(json_node_get_object(n), key));
		if (n)
			json_node_unref(n);
	}
	g_mutex_unlock(&ev_lock);
	return r;
}

bool events_wait(unsigned n)
{
	gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;

	for (;;) {
		guint len;

		g_mutex_lock(&ev_lock);
		len = ev_names->len;
		g_mutex_unlock(&ev_lock);
		if (len >= n)
			return true;
		if (g_get_monotonic_time() > deadline)
			return false;
		g_usleep(1000);
	}
}
