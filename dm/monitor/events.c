/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events: dm_event_emit() may run on any thread (ioreq, virtio I/O, the
 * core's), but clients live in the main context. Emitters serialize the
 * event and append it to one queue under a lock, taking the timestamp under
 * the same lock, so every client sees events in one order with
 * non-decreasing timestamps; an idle source in the default main context
 * sends the queue out. The queue is bounded: if the main loop falls behind,
 * events are dropped (and counted) rather than memory or an emitter's time.
 */
#include <string.h>

#include <dm/log.h>
#include <dm/monitor.h>

#include "monitor_priv.h"

/* What api/monitor.md documents; query-events lists them. */
static const char *const known_events[] = {
	"blk_resized",      "blockdev_snapshot", "paused",       "power_button", "poweroff",
	"reboot",           "resumed",           "rtc_change",   "shutdown",     "snapshot_created",
	"snapshot_deleted", "suspend",           "triple_fault", "wakeup",
};

static GMutex lock;
static GQueue pending = G_QUEUE_INIT; /* lines, oldest first */
static GList *monitors;               /* attached; changed on the main thread only */
static bool scheduled;                /* a deliver() source is attached */
static unsigned long dropped;

JsonNode *events_describe(void)
{
	JsonBuilder *b = json_builder_new();
	JsonNode *n;

	json_builder_begin_array(b);
	for (size_t i = 0; i < G_N_ELEMENTS(known_events); i++) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, known_events[i]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	n = json_builder_get_root(b);
	g_object_unref(b);
	return n;
}

static gboolean deliver(gpointer unused)
{
	GQueue lines = G_QUEUE_INIT;
	unsigned long lost;
	char *line;

	(void)unused;
	g_mutex_lock(&lock);
	lines = pending;
	g_queue_init(&pending);
	scheduled = false;
	lost = dropped;
	dropped = 0;
	g_mutex_unlock(&lock);

	if (lost)
		dm_warn("monitor: %lu events dropped: more than %d were waiting for the main loop",
		        lost, MONITOR_EVENTS_QUEUED);
	while ((line = g_queue_pop_head(&lines))) {
		for (GList *l = monitors; l; l = l->next)
			monitor_broadcast(l->data, line);
		g_free(line);
	}
	return G_SOURCE_REMOVE;
}

void events_attach(struct dm_monitor *m)
{
	g_mutex_lock(&lock);
	monitors = g_list_append(monitors, m);
	g_mutex_unlock(&lock);
}

void events_detach(struct dm_monitor *m)
{
	g_mutex_lock(&lock);
	monitors = g_list_remove(monitors, m);
	g_mutex_unlock(&lock);
}

static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_islower(name[i]) && !g_ascii_isdigit(name[i]) && name[i] != '_')
			return false;
	return true;
}

static char *event_line(const char *name, JsonObject *data, gint64 now)
{
	JsonObject *root = json_object_new();
	JsonObject *ts = json_object_new();
	JsonGenerator *gen = json_generator_new();
	JsonNode *node;
	char *s;

	json_object_set_string_member(root, "event", name);
	json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
	json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
	json_object_set_object_member(root, "timestamp", ts);
	json_object_set_object_member(root, "data", data ? data : json_object_new());
	node = json_node_init_object(json_node_alloc(), root);
	json_generator_set_root(gen, node);
	s = json_generator_to_data(gen, NULL);
	g_object_unref(gen);
	json_node_unref(node);
	json_object_unref(root);
	return s;
}

void dm_event_emit(const char *name, JsonObject *data)
{
	GSource *src;

	if (!name_ok(name)) {
		dm_warn("monitor: event name '%s' is not lower-case [a-z0-9_]{1,64}; dropped",
		        name ? name : "(null)");
		if (data)
			json_object_unref(data);
		return;
	}
	g_mutex_lock(&lock);
	if (!monitors) {
		g_mutex_unlock(&lock);
		if (data)
			json_object_unref(data); /* nobody listens */
		return;
	}
	if (g_queue_get_length(&pending) >= MONITOR_EVENTS_QUEUED) {
		dropped++;
		g_mutex_unlock(&lock);
		if (data)
			json_object_unref(data);
		return;
	}
	g_queue_push_tail(&pending, event_line(name, data, g_get_real_time()));
	if (!scheduled) {
		scheduled = true;
		src = g_idle_source_new();
		/* Above the clients' sockets: an event emitted before a request is read goes out
		 * before that request's reply. */
		g_source_set_priority(src, G_PRIORITY_DEFAULT - 1);
		g_source_set_callback(src, deliver, NULL, NULL);
		g_source_attach(src, g_main_context_default());
		g_source_unref(src);
	}
	g_mutex_unlock(&lock);
}
