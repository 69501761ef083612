/* SPDX-License-Identifier: BSD-3-Clause */
#include <poll.h>
#include <time.h>

#include "bus_source.h"

struct bus_source {
	GSource src;
	sd_bus *bus;
	gpointer tag;
	GIOCondition events; /* what the tag polls for now */
	void (*on_lost)(void *user);
	void *user;
};

static gboolean bs_prepare(GSource *s, gint *timeout)
{
	struct bus_source *b = (struct bus_source *)s;
	int ev = sd_bus_get_events(b->bus);
	uint64_t until = UINT64_MAX;
	GIOCondition cond = 0;

	if (ev > 0 && (ev & POLLIN))
		cond |= G_IO_IN;
	if (ev > 0 && (ev & POLLOUT))
		cond |= G_IO_OUT;
	cond |= G_IO_ERR | G_IO_HUP;
	/* Only on a change: modifying wakes the context, a busy loop if done each time. */
	if (cond != b->events) {
		g_source_modify_unix_fd(s, b->tag, cond);
		b->events = cond;
	}
	*timeout = -1;
	/* sd-bus may hold queued messages it already read: dispatch at once. */
	if (sd_bus_get_timeout(b->bus, &until) >= 0 && until != UINT64_MAX) {
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
		if (until <= now)
			return TRUE;
		/* absolute µs → relative ms, rounded up so we never wake early */
		*timeout = (int)MIN((until - now + 999) / 1000, (uint64_t)G_MAXINT);
	}
	return FALSE;
}

static gboolean bs_check(GSource *s)
{
	struct bus_source *b = (struct bus_source *)s;
	gint timeout;

	/* Due timeouts (e.g. a polkit call that got no answer) need dispatching too. */
	return g_source_query_unix_fd(s, b->tag) != 0 || bs_prepare(s, &timeout);
}

static gboolean bs_dispatch(GSource *s, GSourceFunc cb, gpointer user)
{
	struct bus_source *b = (struct bus_source *)s;
	int r;

	(void)cb;
	(void)user;
	do
		r = sd_bus_process(b->bus, NULL);
	while (r > 0);
	if (r < 0 && r != -EBUSY)
		g_warning("D-Bus connection: %s", g_strerror(-r));
	if (r != -ECONNRESET && r != -ENOTCONN)
		return G_SOURCE_CONTINUE;
	if (b->on_lost)
		b->on_lost(b->user);
	return G_SOURCE_REMOVE;
}

static void bs_finalize(GSource *s)
{
	struct bus_source *b = (struct bus_source *)s;

	sd_bus_unref(b->bus);
}

static GSourceFuncs funcs = {
	.prepare = bs_prepare,
	.check = bs_check,
	.dispatch = bs_dispatch,
	.finalize = bs_finalize,
};

guint acrnd_bus_attach(sd_bus *bus, void (*on_lost)(void *user), void *user)
{
	struct bus_source *b = (struct bus_source *)g_source_new(&funcs, sizeof(*b));
	guint id;

	b->bus = sd_bus_ref(bus);
	b->on_lost = on_lost;
	b->user = user;
	b->events = G_IO_IN;
	b->tag = g_source_add_unix_fd(&b->src, sd_bus_get_fd(bus), b->events);
	g_source_set_name(&b->src, "sd-bus");
	id = g_source_attach(&b->src, NULL);
	g_source_unref(&b->src);
	return id;
}
