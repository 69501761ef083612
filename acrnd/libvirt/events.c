/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Domain events: the core's event hub → libvirt's lifecycle (and reboot)
 * messages for every client that registered a callback.
 */
#include <errno.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lv_priv.h"

#define EVENT_ID_LIFECYCLE 0
#define EVENT_ID_REBOOT    1
#define EVENT_ID_RTC       2
#define EVENT_ID_LAST      26 /* VIR_DOMAIN_EVENT_ID_LAST - 1 in libvirt 9.0 */

/* virDomainEventType and details */
enum {
	EV_DEFINED = 0,
	EV_UNDEFINED = 1,
	EV_STARTED = 2,
	EV_SUSPENDED = 3,
	EV_RESUMED = 4,
	EV_STOPPED = 5,
	EV_SHUTDOWN = 6,
	EV_PMSUSPENDED = 7,
	EV_CRASHED = 8,
};

int lv_events_register(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	struct lv_callback cb = { 0 };
	g_autofree char *name = NULL;
	bool have_dom;
	int32_t event_id, id;
	int r = lv_get_i32(in, &event_id);

	if (!r)
		r = lv_get_bool(in, &have_dom);
	if (!r && have_dom) {
		r = lv_get_string(in, LV_STRING_MAX, &name);
		if (!r)
			r = lv_get_fixed(in, cb.uuid, sizeof(cb.uuid));
		if (!r)
			r = lv_get_i32(in, &id);
	}
	if (r)
		return r;
	/* Every known id is accepted (virsh event --all needs only lifecycle to work). */
	if (event_id < 0 || event_id > EVENT_ID_LAST) {
		lv_reply_error(c, h, LV_ERR_INVALID_ARG, "unknown domain event id %d", event_id);
		return 0;
	}
	if (c->callbacks->len >= 1024) {
		lv_reply_error(c, h, LV_ERR_RPC, "too many event callbacks on one connection");
		return 0;
	}
	cb.id = ++c->srv->next_callback_id;
	cb.event_id = event_id;
	cb.filter = have_dom;
	g_array_append_val(c->callbacks, cb);
	lv_put_i32(b, cb.id);
	lv_reply(c, h, b);
	return 0;
}

int lv_events_deregister(struct lv_client *c, const struct lv_header *h, struct lv_in *in)
{
	int32_t id;
	int r = lv_get_i32(in, &id);

	if (r)
		return r;
	for (guint i = 0; i < c->callbacks->len; i++) {
		if (g_array_index(c->callbacks, struct lv_callback, i).id == id) {
			g_array_remove_index(c->callbacks, i);
			lv_reply(c, h, NULL);
			return 0;
		}
	}
	lv_reply_error(c, h, LV_ERR_INVALID_ARG, "no event callback %d on this connection", id);
	return 0;
}

/* Send @proc to each callback for @event_id that wants @vm; @tail follows {callbackID, dom}. */
static void broadcast(struct acrnd_libvirt *srv, struct acrnd_vm *vm, int event_id, int proc,
                      const GByteArray *tail)
{
	struct lv_header hdr = { LV_PROG_REMOTE, LV_PROG_VERSION, proc, LV_MESSAGE, 1, LV_OK };
	g_autoptr(GByteArray) dom = g_byte_array_new();
	g_autoptr(GByteArray) b = g_byte_array_new();
	uint8_t uuid[16];

	lv_put_domain(dom, srv, vm);
	memcpy(uuid, dom->data + dom->len - 4 - sizeof(uuid), sizeof(uuid));
	for (GList *l = srv->clients, *next; l; l = next) {
		/* Sending may close (and free) this client: hold it, and its list node's successor. */
		struct lv_client *c = lv_client_ref(l->data);

		next = l->next;
		for (guint i = 0; !c->dead && i < c->callbacks->len; i++) {
			struct lv_callback *cb =
			        &g_array_index(c->callbacks, struct lv_callback, i);

			if (cb->event_id != event_id ||
			    (cb->filter && memcmp(cb->uuid, uuid, sizeof(uuid))))
				continue;
			lv_packet_begin(b, &hdr);
			lv_put_i32(b, cb->id);
			g_byte_array_append(b, dom->data, dom->len);
			if (tail)
				g_byte_array_append(b, tail->data, tail->len);
			lv_packet_end(b);
			lv_client_send(c, b);
		}
		lv_client_unref(c);
	}
}

static void lifecycle(struct acrnd_libvirt *srv, struct acrnd_vm *vm, int event, int detail)
{
	g_autoptr(GByteArray) tail = g_byte_array_new();

	lv_put_i32(tail, event);
	lv_put_i32(tail, detail);
	broadcast(srv, vm, EVENT_ID_LIFECYCLE, LV_DOMAIN_EVENT_CALLBACK_LIFECYCLE, tail);
}

static void on_added(struct acrnd_vm *vm, void *user)
{
	lv_vminfo(user, vm);
	lifecycle(user, vm, EV_DEFINED, 0 /* added */);
}

static void on_removed(struct acrnd_vm *vm, void *user)
{
	struct acrnd_libvirt *srv = user;

	lv_console_vm_gone(srv, vm);
	lifecycle(srv, vm, EV_UNDEFINED, 0 /* removed */);
	g_hash_table_remove(srv->vminfo, vm);
}

static void on_changed(struct acrnd_vm *vm, const char *property, void *user)
{
	if (!strcmp(property, "Definition"))
		lifecycle(user, vm, EV_DEFINED, 1 /* updated */);
}

/*
 * Map a core transition to libvirt's event, detail, and the state reason
 * GET_STATE reports afterwards (virDomain*Reason).
 */
static void on_state(struct acrnd_vm *vm, enum acrnd_state state, const char *reason, void *user)
{
	struct acrnd_libvirt *srv = user;
	struct lv_vminfo *i = lv_vminfo(srv, vm);
	enum acrnd_state from = i->last_core_state;
	bool why = reason != NULL;

	i->last_core_state = state;
	if (state == ACRND_STATE_SHUTOFF || state == ACRND_STATE_CRASHED)
		lv_console_vm_gone(srv, vm);
	switch (state) {
	case ACRND_STATE_RUNNING:
		if (from == ACRND_STATE_PAUSED) {
			i->state = 1, i->reason = 5; /* running, unpaused */
			lifecycle(srv, vm, EV_RESUMED, 0 /* unpaused */);
		} else if (from == ACRND_STATE_SUSPENDED) {
			i->state = 1, i->reason = 8; /* running, wakeup */
			lifecycle(srv, vm, EV_STARTED, 4 /* wakeup */);
		} else {
			i->state = 1, i->reason = 1; /* running, booted */
			lifecycle(srv, vm, EV_STARTED, 0 /* booted */);
		}
		break;
	case ACRND_STATE_PAUSED:
		i->state = 3, i->reason = 1; /* paused, user */
		lifecycle(srv, vm, EV_SUSPENDED, 0 /* paused */);
		break;
	case ACRND_STATE_SUSPENDED:
		i->state = 7, i->reason = 1;
		lifecycle(srv, vm, EV_PMSUSPENDED, 0 /* memory */);
		break;
	case ACRND_STATE_SHUTTING_DOWN:
		i->state = 4, i->reason = 1; /* shutdown, user */
		break;
	case ACRND_STATE_CRASHED:
		i->state = 6, i->reason = 1; /* crashed, panicked */
		lifecycle(srv, vm, EV_CRASHED, 0 /* panicked */);
		break;
	case ACRND_STATE_SHUTOFF:
		/* The core's reason: acrn-dm's poweroff reason, or its own word. */
		if (why && (!strcmp(reason, "destroyed") || !strcmp(reason, "destroy") ||
		            !strcmp(reason, "signal"))) {
			i->state = 5, i->reason = 2;
			lifecycle(srv, vm, EV_STOPPED, 1 /* destroyed */);
		} else if (why && (!strcmp(reason, "failed") || !strcmp(reason, "error"))) {
			i->state = 5, i->reason = 6; /* shutoff, failed */
			lifecycle(srv, vm, EV_STOPPED, 5 /* failed */);
		} else if (from == ACRND_STATE_CRASHED) {
			i->state = 5, i->reason = 3; /* shutoff, crashed */
			lifecycle(srv, vm, EV_STOPPED, 2 /* crashed */);
		} else {
			/* The guest powered off: libvirt says so twice. */
			i->state = 5, i->reason = 1;
			lifecycle(srv, vm, EV_SHUTDOWN, 0 /* finished */);
			lifecycle(srv, vm, EV_STOPPED, 0 /* shutdown */);
		}
		break;
	default: /* STARTING: libvirt has no event for it */
		break;
	}
}

/* acrn-dm's rtc_change carries "delta", the guest RTC's offset from host UTC in seconds. */
static void rtc_change(struct acrnd_libvirt *srv, struct acrnd_vm *vm, const char *details)
{
	g_autoptr(JsonNode) n = details ? json_from_string(details, NULL) : NULL;
	g_autoptr(GByteArray) tail = g_byte_array_new();
	JsonObject *o = n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;

	if (!o || !json_object_has_member(o, "delta"))
		return;
	lv_put_u64(tail, (uint64_t)json_object_get_int_member(o, "delta"));
	broadcast(srv, vm, EVENT_ID_RTC, LV_DOMAIN_EVENT_CALLBACK_RTC_CHANGE, tail);
}

static void on_event(struct acrnd_vm *vm, const char *name, const char *details, void *user)
{
	if (!strcmp(name, "reboot"))
		broadcast(user, vm, EVENT_ID_REBOOT, LV_DOMAIN_EVENT_CALLBACK_REBOOT, NULL);
	else if (!strcmp(name, "rtc_change"))
		rtc_change(user, vm, details);
}

static const struct acrnd_listener listener = {
	.vm_added = on_added,
	.vm_removed = on_removed,
	.vm_changed = on_changed,
	.state_changed = on_state,
	.vm_event = on_event,
};

void lv_events_subscribe(struct acrnd_libvirt *srv)
{
	acrnd_manager_subscribe(srv->mgr, &listener, srv);
}
