/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One VM's lifecycle: spawning and supervising acrn-dm, its monitor socket,
 * the state machine, crash detection and the restart policy.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "vm_priv.h"

/*
 * acrn-dm opens its monitor after creating the VM, which on a busy board can
 * take long: try every 50 ms for 10 s, then every second, for as long as the
 * process lives (its exit decides the VM's state, not a connect timeout).
 */
#define CONNECT_INTERVAL_MS 50
#define CONNECT_FAST_TRIES  200
#define CONNECT_SLOW_MS     1000
#define KILL_GRACE_S        10   /* destroy falls back to SIGKILL after this */
#define RESTART_LIMIT       3    /* crash restarts when the definition sets none */
#define DRAIN_MS            2000 /* reading a dead acrn-dm's last monitor lines */

struct waiter {
	acrnd_done_fn done;
	void *user;
};

static void complete(acrnd_done_fn done, void *user, int rc, const char *fmt, ...)
        G_GNUC_PRINTF(4, 5);
static void complete(acrnd_done_fn done, void *user, int rc, const char *fmt, ...)
{
	g_autoptr(GError) err = NULL;
	va_list ap;

	if (rc && fmt) {
		va_start(ap, fmt);
		err = g_error_new_valist(ACRND_ERROR, -rc, fmt, ap);
		va_end(ap);
	}
	if (done)
		done(rc, err, user);
}

static void add_waiter(GSList **list, acrnd_done_fn done, void *user)
{
	struct waiter *w = g_new0(struct waiter, 1);

	w->done = done;
	w->user = user;
	*list = g_slist_append(*list, w);
}

static void finish_waiters(GSList **list, int rc, const char *msg)
{
	GSList *l = *list;

	*list = NULL;
	for (GSList *i = l; i; i = i->next) {
		struct waiter *w = i->data;

		complete(w->done, w->user, rc, "%s", msg ? msg : "");
	}
	g_slist_free_full(l, g_free);
}

static void save_runtime(struct acrnd_vm *vm)
{
	struct acrnd_runtime rt = {
		.pid = vm->pid,
		.start_time = vm->start_time,
		.monitor = vm->monitor_path,
		.state = (char *)acrnd_state_to_string(vm->state),
		.restarts = vm->restarts,
	};
	g_autoptr(GError) err = NULL;

	if (acrnd_store_save_runtime(vm->mgr->store, vm->def->name, &rt, &err))
		g_warning("VM %s: %s (a restarted acrnd would not find it)", vm->def->name,
		          err->message);
}

/* Move to @to if the lifecycle allows it; persist and announce it. */
static int set_state(struct acrnd_vm *vm, enum acrnd_state to, const char *reason)
{
	if (vm->state == to)
		return 0;
	if (!acrnd_state_transition_ok(vm->state, to)) {
		g_debug("VM %s: ignoring %s -> %s (%s)", vm->def->name,
		        acrnd_state_to_string(vm->state), acrnd_state_to_string(to), reason);
		return -EINVAL;
	}
	vm->state = to;
	if (acrnd_state_is_active(to))
		save_runtime(vm);
	else
		acrnd_store_remove_runtime(vm->mgr->store, vm->def->name);
	manager_emit_state(vm->mgr, vm, reason);
	return 0;
}

struct acrnd_vm *vm_new(struct acrnd_manager *m, struct acrnd_def *def)
{
	struct acrnd_vm *vm = g_new0(struct acrnd_vm, 1);

	vm->mgr = m;
	vm->def = def;
	vm->state = ACRND_STATE_SHUTOFF;
	vm->pidfd = -1;
	vm->autostart = acrnd_store_get_autostart(m->store, def->name);
	return vm;
}

static void clear_process(struct acrnd_vm *vm)
{
	/* Only when acrnd forgets a running VM: a later acrnd re-adopts it. */
	g_clear_handle_id(&vm->child_src, g_source_remove);
	g_clear_pointer(&vm->mon, acrnd_monitor_free);
	g_clear_handle_id(&vm->connect_src, g_source_remove);
	g_clear_handle_id(&vm->kill_src, g_source_remove);
	g_clear_handle_id(&vm->shutdown_src, g_source_remove);
	g_clear_handle_id(&vm->pidfd_src, g_source_remove);
	g_clear_handle_id(&vm->drain_src, g_source_remove);
	vm->exit_pending = false;
	if (vm->pidfd >= 0)
		close(vm->pidfd);
	vm->pidfd = -1;
	vm->pid = 0;
	vm->start_time = 0;
	vm->destroying = false;
}

static bool clear_ptys(struct acrnd_vm *vm)
{
	bool had = false;

	for (unsigned i = 0; i < ACRND_SERIALS_MAX; i++) {
		had |= vm->pty[i] != NULL;
		g_clear_pointer(&vm->pty[i], g_free);
	}
	return had;
}

void vm_free(struct acrnd_vm *vm)
{
	if (!vm)
		return;
	clear_process(vm);
	clear_ptys(vm);
	finish_waiters(&vm->start_waiters, -ECANCELED, "acrnd is shutting down");
	finish_waiters(&vm->stop_waiters, -ECANCELED, "acrnd is shutting down");
	if (vm->binding_free)
		vm->binding_free(vm->binding);
	g_free(vm->monitor_path);
	g_free(vm->poweroff_reason);
	acrnd_def_free(vm->def);
	g_free(vm);
}

/* ---- the monitor ---- */

static void connect_monitor(struct acrnd_vm *vm);
static void process_gone(struct acrnd_vm *vm, bool have_status, int status);

/* Note the ptys from query's "serial" (monitor 1.1; older acrn-dm has none). */
static void take_ptys(struct acrnd_vm *vm, JsonNode *ret)
{
	JsonObject *o = ret && JSON_NODE_HOLDS_OBJECT(ret) ? json_node_get_object(ret) : NULL;
	JsonNode *sn = o ? json_object_get_member(o, "serial") : NULL;
	JsonArray *a = sn && JSON_NODE_HOLDS_ARRAY(sn) ? json_node_get_array(sn) : NULL;
	bool changed = clear_ptys(vm);

	for (guint i = 0; a && i < json_array_get_length(a); i++) {
		JsonNode *en = json_array_get_element(a, i);
		JsonObject *e = JSON_NODE_HOLDS_OBJECT(en) ? json_node_get_object(en) : NULL;
		const char *port =
		        e ? json_object_get_string_member_with_default(e, "port", "") : "";
		const char *backend =
		        e ? json_object_get_string_member_with_default(e, "backend", "") : "";
		const char *path =
		        e ? json_object_get_string_member_with_default(e, "path", NULL) : NULL;
		unsigned idx;

		/* "com1" is port 0; only absolute pty paths are believed. */
		if (strcmp(backend, "pty") || !path || path[0] != '/' ||
		    sscanf(port, "com%u", &idx) != 1 || idx < 1 || idx > ACRND_SERIALS_MAX)
			continue;
		g_free(vm->pty[idx - 1]);
		vm->pty[idx - 1] = g_strdup(path);
		changed = true;
	}
	if (changed)
		manager_emit_changed(vm->mgr, vm, "ConsolePTY");
}

static void query_replied(int rc, JsonNode *ret, const char *klass, const char *desc, void *user)
{
	struct acrnd_vm *vm = user;

	if (rc == -ECANCELED)
		return; /* the monitor (or the VM) is being freed */
	if (rc == -ECONNRESET)
		return; /* mon_closed reconnects, or acrn-dm's exit decides */
	if (rc)
		g_warning("VM %s: the monitor's query failed: %s%s%s (no console pty known)",
		          vm->def->name, klass ? klass : "", klass ? ": " : "", desc ? desc : "");
	else
		take_ptys(vm, ret);
	/* Start returns with the console known (or known to be absent). */
	if (vm->state == ACRND_STATE_STARTING) {
		set_state(vm, ACRND_STATE_RUNNING, "booted");
		finish_waiters(&vm->start_waiters, 0, NULL);
	}
}

static void mon_greeted(struct acrnd_monitor *m, pid_t pid, void *user)
{
	struct acrnd_vm *vm = user;

	if (pid != vm->pid)
		g_warning("VM %s: the monitor at %s belongs to pid %d, not acrn-dm's %d",
		          vm->def->name, vm->monitor_path, (int)pid, (int)vm->pid);
	vm->connect_tries = 0;
	/* Freshly started or adopted: learn the console ptys before anything else. */
	acrnd_monitor_execute(m, "query", NULL, query_replied, vm); /* fails only when closed */
}

static gboolean retry_connect(gpointer user)
{
	struct acrnd_vm *vm = user;

	vm->connect_src = 0;
	connect_monitor(vm);
	return G_SOURCE_REMOVE;
}

static gboolean free_monitor_idle(gpointer p)
{
	acrnd_monitor_free(p);
	return G_SOURCE_REMOVE;
}

static void mon_closed(struct acrnd_monitor *m, const char *why, void *user)
{
	struct acrnd_vm *vm = user;

	/* Freed from an idle: we are inside the monitor's own callback. */
	vm->mon = NULL;
	g_idle_add(free_monitor_idle, m);
	if (vm->exit_pending) {
		/* Every line acrn-dm sent before exiting has been read. */
		process_gone(vm, vm->exit_have_status, vm->exit_status);
		return;
	}
	/*
	 * Not up yet, or lost while acrn-dm runs (it drops a client that falls
	 * behind): connect again. If acrn-dm is exiting instead, its exit
	 * cancels this and decides the state.
	 */
	g_debug("VM %s: monitor closed: %s", vm->def->name, why);
	if (vm->pid && acrnd_state_is_active(vm->state)) {
		if (vm->connect_tries++ == CONNECT_FAST_TRIES)
			g_warning("VM %s: acrn-dm (pid %d) has not opened its monitor %s in %d s; "
			          "still trying (%s)",
			          vm->def->name, (int)vm->pid, vm->monitor_path,
			          CONNECT_FAST_TRIES * CONNECT_INTERVAL_MS / 1000, why);
		vm->connect_src =
		        g_timeout_add(vm->connect_tries > CONNECT_FAST_TRIES ? CONNECT_SLOW_MS
		                                                             : CONNECT_INTERVAL_MS,
		                      retry_connect, vm);
	}
}

static const char *data_string(JsonObject *data, const char *member)
{
	return data ? json_object_get_string_member_with_default(data, member, NULL) : NULL;
}

static void mon_event(struct acrnd_monitor *m, const char *name, JsonObject *data,
                      const char *details_json, void *user)
{
	struct acrnd_vm *vm = user;
	const char *reason = data_string(data, "reason");

	(void)m;
	manager_emit_event(vm->mgr, vm, name, details_json);
	if (!strcmp(name, "paused")) {
		set_state(vm, ACRND_STATE_PAUSED, "paused");
	} else if (!strcmp(name, "resumed")) {
		set_state(vm, ACRND_STATE_RUNNING, "resumed");
	} else if (!strcmp(name, "suspend")) {
		set_state(vm, ACRND_STATE_SUSPENDED, "guest-suspend");
	} else if (!strcmp(name, "wakeup")) {
		set_state(vm, ACRND_STATE_RUNNING, reason ? reason : "wakeup");
	} else if (!strcmp(name, "shutdown")) {
		if (reason && !strcmp(reason, "guest-poweroff"))
			set_state(vm, ACRND_STATE_SHUTTING_DOWN, reason);
	} else if (!strcmp(name, "poweroff")) {
		vm->poweroff_seen = true;
		g_free(vm->poweroff_reason);
		vm->poweroff_reason = g_strdup(reason ? reason : "guest");
		set_state(vm, ACRND_STATE_SHUTTING_DOWN, vm->poweroff_reason);
	} else if (!strcmp(name, "reboot")) {
		if (vm->def->on_reboot == ACRND_ACTION_DESTROY)
			acrnd_vm_destroy(vm, NULL, NULL);
	}
}

static const struct acrnd_monitor_ops mon_ops = {
	.greeted = mon_greeted,
	.event = mon_event,
	.closed = mon_closed,
};

static void connect_monitor(struct acrnd_vm *vm)
{
	g_clear_pointer(&vm->mon, acrnd_monitor_free);
	vm->mon = acrnd_monitor_connect(vm->monitor_path, &mon_ops, vm);
}

/* ---- the process ---- */

static char *log_tail(struct acrnd_vm *vm)
{
	g_autofree char *path = acrnd_store_log_path(vm->mgr->store, vm->def->name);
	g_autofree char *text = NULL;
	gsize len;
	char *end, *start;

	if (!g_file_get_contents(path, &text, &len, NULL) || len == 0)
		return g_strdup_printf("see %s", path);
	end = text + len;
	while (end > text && end[-1] == '\n')
		*--end = 0;
	start = strrchr(text, '\n');
	start = start ? start + 1 : text;
	return g_strdup_printf("last line of %s: %.300s", path, start);
}

static void start_now(struct acrnd_vm *vm, const char *reason);

static void process_gone(struct acrnd_vm *vm, bool have_status, int status)
{
	bool clean =
	        vm->poweroff_seen || (have_status && WIFEXITED(status) && !WEXITSTATUS(status));
	bool was_starting = vm->state == ACRND_STATE_STARTING;
	bool destroyed = vm->destroying;
	g_autofree char *why = NULL;

	clear_process(vm);
	if (clear_ptys(vm))
		manager_emit_changed(vm->mgr, vm, "ConsolePTY");
	if (clean) {
		const char *reason = vm->poweroff_reason ? vm->poweroff_reason : "guest";

		why = g_strdup(reason);
		set_state(vm, ACRND_STATE_SHUTOFF, reason);
	} else {
		g_autofree char *tail = log_tail(vm);
		g_autofree char *details = NULL;

		if (!have_status) /* adopted: not our child, no exit status */
			why = g_strdup_printf("acrn-dm exited without powering off (%s)", tail);
		else if (WIFSIGNALED(status))
			why = g_strdup_printf("acrn-dm was killed by signal %d (%s)",
			                      WTERMSIG(status), tail);
		else
			why = g_strdup_printf("acrn-dm exited with status %d (%s)",
			                      WIFEXITED(status) ? WEXITSTATUS(status) : -1, tail);
		details =
		        g_strdup_printf("{\"status\":%d,\"signal\":%d}",
		                        have_status && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		                        have_status && WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		if (was_starting || destroyed) {
			set_state(vm, ACRND_STATE_SHUTOFF, destroyed ? "destroyed" : "failed");
		} else {
			set_state(vm, ACRND_STATE_CRASHED, why);
			manager_emit_event(vm->mgr, vm, "crashed", details);
		}
	}
	if (!vm->restart_after_stop)
		finish_waiters(&vm->start_waiters, -EIO, why);
	finish_waiters(&vm->stop_waiters, 0, NULL);
	g_clear_pointer(&vm->poweroff_reason, g_free);
	vm->poweroff_seen = false;

	if (vm->restart_after_stop) {
		vm->restart_after_stop = false;
		start_now(vm, "rebooted");
	} else if (clean && !destroyed && vm->def->on_poweroff == ACRND_ACTION_RESTART) {
		start_now(vm, "on_poweroff restart");
	} else if (vm->state == ACRND_STATE_CRASHED && vm->def->on_crash == ACRND_ACTION_RESTART) {
		unsigned limit = vm->def->restart_limit ? vm->def->restart_limit : RESTART_LIMIT;

		if (vm->restarts < limit) {
			vm->restarts++;
			manager_emit_event(vm->mgr, vm, "restarted", "{}");
			start_now(vm, "on_crash restart");
		}
	}
}

static gboolean drain_timeout(gpointer user)
{
	struct acrnd_vm *vm = user;

	vm->drain_src = 0;
	process_gone(vm, vm->exit_have_status, vm->exit_status);
	return G_SOURCE_REMOVE;
}

/*
 * acrn-dm exited. Its last events (poweroff and its reason) may still sit
 * unread in the monitor socket: read to the end before deciding the state.
 */
static void process_exited(struct acrnd_vm *vm, bool have_status, int status)
{
	if (!vm->mon) {
		process_gone(vm, have_status, status);
		return;
	}
	vm->exit_pending = true;
	vm->exit_have_status = have_status;
	vm->exit_status = status;
	g_clear_handle_id(&vm->connect_src, g_source_remove);
	vm->drain_src = g_timeout_add(DRAIN_MS, drain_timeout, vm);
}

static void child_exited(GPid pid, gint status, gpointer user)
{
	struct acrnd_vm *vm = user;

	(void)pid;
	vm->child_src = 0;
	process_exited(vm, true, status);
}

static gboolean pidfd_ready(gint fd, GIOCondition cond, gpointer user)
{
	struct acrnd_vm *vm = user;

	(void)fd;
	(void)cond;
	vm->pidfd_src = 0;
	process_exited(vm, false, 0);
	return G_SOURCE_REMOVE;
}

static void child_setup(gpointer user)
{
	(void)user;
	/* Its own session: signals to acrnd's process group do not reach the VM. */
	setsid();
}

static int spawn(struct acrnd_vm *vm, GError **error)
{
	g_autofree char *log = acrnd_store_log_path(vm->mgr->store, vm->def->name);
	g_auto(GStrv) argv = NULL;
	GPid pid;
	int fd, err = 0;

	g_free(vm->monitor_path);
	vm->monitor_path = acrnd_store_monitor_path(vm->mgr->store, vm->def->name);
	argv = acrnd_def_to_argv(vm->def, vm->mgr->dm_path, vm->monitor_path);
	/* A file, not a pipe: acrn-dm must outlive acrnd. */
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno;
		g_set_error(error, ACRND_ERROR, err, "cannot open %s: %s", log, g_strerror(err));
		return -err;
	}
	/* Not reaped behind our back: the pid stays valid until child_exited. */
	if (!g_spawn_async_with_pipes_and_fds(
	            NULL, (const char *const *)argv, NULL,
	            G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL, child_setup, NULL, -1,
	            fd, fd, NULL, NULL, 0, &pid, NULL, NULL, NULL, error))
		err = ENOEXEC;
	close(fd);
	if (err)
		return -err;
	vm->pid = pid;
	vm->start_time = acrnd_proc_start_time(pid);
	vm->child_src = g_child_watch_add(pid, child_exited, vm);
	return 0;
}

static void start_now(struct acrnd_vm *vm, const char *reason)
{
	g_autoptr(GError) err = NULL;

	set_state(vm, ACRND_STATE_STARTING, reason);
	if (spawn(vm, &err) < 0) {
		clear_process(vm);
		set_state(vm, ACRND_STATE_SHUTOFF, "failed");
		finish_waiters(&vm->start_waiters, -EIO, err->message);
		return;
	}
	save_runtime(vm);
	manager_emit_process(vm->mgr, vm);
	vm->connect_tries = 0;
	vm->connect_src = g_timeout_add(CONNECT_INTERVAL_MS, retry_connect, vm);
}

int vm_adopt(struct acrnd_vm *vm, const struct acrnd_runtime *rt)
{
	enum acrnd_state st = acrnd_state_from_string(rt->state);
	uint64_t t = acrnd_proc_start_time(rt->pid);
	int fd;

	if (!t || t != rt->start_time)
		return -ESRCH;
	fd = syscall(SYS_pidfd_open, rt->pid, 0);
	if (fd < 0)
		return -errno;
	/* Still starting (acrnd died before the greeting): the greeting moves it on. */
	if (!acrnd_state_is_active(st))
		st = ACRND_STATE_RUNNING;
	vm->pid = rt->pid;
	vm->start_time = rt->start_time;
	vm->pidfd = fd;
	vm->restarts = rt->restarts;
	vm->state = st;
	g_free(vm->monitor_path);
	vm->monitor_path = g_strdup(rt->monitor);
	vm->pidfd_src = g_unix_fd_add(fd, G_IO_IN, pidfd_ready, vm);
	connect_monitor(vm);
	return 0;
}

/* ---- operations ---- */

static const char *st(struct acrnd_vm *vm)
{
	return acrnd_state_to_string(vm->state);
}

void acrnd_vm_start(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	if (acrnd_state_is_active(vm->state)) {
		complete(done, user, -EBUSY, "VM '%s' is %s, not shut off", vm->def->name, st(vm));
		return;
	}
	vm->restarts = 0;
	add_waiter(&vm->start_waiters, done, user);
	start_now(vm, "started");
}

struct cmd_ctx {
	struct acrnd_vm *vm;
	acrnd_done_fn done;
	void *user;
	char *command;
	enum acrnd_state on_success;
	unsigned timeout_s;
};

static gboolean shutdown_timeout(gpointer user)
{
	struct acrnd_vm *vm = user;

	vm->shutdown_src = 0;
	manager_emit_event(vm->mgr, vm, "shutdown_timeout", "{}");
	acrnd_vm_destroy(vm, NULL, NULL);
	return G_SOURCE_REMOVE;
}

static void cmd_replied(int rc, JsonNode *ret, const char *klass, const char *desc, void *user)
{
	struct cmd_ctx *c = user;

	(void)ret;
	if (rc == -ECANCELED) {
		/* The VM is being freed; do not touch it. */
		complete(c->done, c->user, rc, "%s: canceled", c->command);
	} else if (rc) {
		complete(c->done, c->user, rc, "VM '%s': %s failed: %s%s%s", c->vm->def->name,
		         c->command, klass ? klass : "", klass ? ": " : "", desc ? desc : "");
	} else {
		if (c->on_success != _ACRND_STATE_INVALID)
			set_state(c->vm, c->on_success, c->command);
		if (c->timeout_s && c->vm->state == ACRND_STATE_SHUTTING_DOWN)
			c->vm->shutdown_src =
			        g_timeout_add_seconds(c->timeout_s, shutdown_timeout, c->vm);
		complete(c->done, c->user, 0, NULL);
	}
	g_free(c->command);
	g_free(c);
}

static void run_command(struct acrnd_vm *vm, const char *command, enum acrnd_state on_success,
                        unsigned timeout_s, acrnd_done_fn done, void *user)
{
	struct cmd_ctx *c = g_new0(struct cmd_ctx, 1);
	int rc;

	c->vm = vm;
	c->done = done;
	c->user = user;
	c->command = g_strdup(command);
	c->on_success = on_success;
	c->timeout_s = timeout_s;
	rc = acrnd_monitor_execute(vm->mon, command, NULL, cmd_replied, c);
	if (rc) {
		complete(done, user, -EBUSY, "VM '%s': its monitor is not connected",
		         vm->def->name);
		g_free(c->command);
		g_free(c);
	}
}

void acrnd_vm_shutdown(struct acrnd_vm *vm, unsigned timeout_s, acrnd_done_fn done, void *user)
{
	if (vm->state != ACRND_STATE_RUNNING && vm->state != ACRND_STATE_SHUTTING_DOWN) {
		complete(done, user, -EBUSY, "VM '%s' is %s, not running", vm->def->name, st(vm));
		return;
	}
	g_clear_handle_id(&vm->shutdown_src, g_source_remove);
	run_command(vm, "system_powerdown", ACRND_STATE_SHUTTING_DOWN, timeout_s, done, user);
}

static gboolean kill_now(gpointer user)
{
	struct acrnd_vm *vm = user;

	vm->kill_src = 0;
	if (vm->pid > 1)
		kill(vm->pid, SIGKILL);
	return G_SOURCE_REMOVE;
}

static void destroy_replied(int rc, JsonNode *ret, const char *klass, const char *desc, void *user)
{
	struct acrnd_vm *vm = user;

	(void)ret;
	(void)klass;
	(void)desc;
	if (rc && rc != -ECANCELED && rc != -ECONNRESET)
		kill_now(vm);
}

void acrnd_vm_destroy(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	if (!acrnd_state_is_active(vm->state)) {
		complete(done, user, -EBUSY, "VM '%s' is %s, not running", vm->def->name, st(vm));
		return;
	}
	add_waiter(&vm->stop_waiters, done, user);
	if (vm->destroying)
		return;
	vm->destroying = true;
	g_clear_handle_id(&vm->shutdown_src, g_source_remove);
	if (acrnd_monitor_execute(vm->mon, "destroy", NULL, destroy_replied, vm) == 0)
		vm->kill_src = g_timeout_add_seconds(KILL_GRACE_S, kill_now, vm);
	else
		kill_now(vm);
}

static void reboot_destroyed(int rc, const GError *error, void *user)
{
	(void)rc;
	(void)error;
	(void)user;
}

void acrnd_vm_reboot(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	if (vm->state != ACRND_STATE_RUNNING && vm->state != ACRND_STATE_PAUSED) {
		complete(done, user, -EBUSY, "VM '%s' is %s, not running", vm->def->name, st(vm));
		return;
	}
	vm->restart_after_stop = true;
	add_waiter(&vm->start_waiters, done, user);
	acrnd_vm_destroy(vm, reboot_destroyed, NULL);
}

void acrnd_vm_pause(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	if (vm->state != ACRND_STATE_RUNNING) {
		complete(done, user, -EBUSY, "VM '%s' is %s, not running", vm->def->name, st(vm));
		return;
	}
	run_command(vm, "pause", ACRND_STATE_PAUSED, 0, done, user);
}

void acrnd_vm_resume(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	if (vm->state != ACRND_STATE_PAUSED) {
		complete(done, user, -EBUSY, "VM '%s' is %s, not paused", vm->def->name, st(vm));
		return;
	}
	run_command(vm, "resume", ACRND_STATE_RUNNING, 0, done, user);
}

void acrnd_vm_suspend(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	complete(done, user, -EOPNOTSUPP,
	         "VM '%s': suspend to RAM (guest S3) is not supported yet by acrn-dm's monitor",
	         vm->def->name);
}

void acrnd_vm_wakeup(struct acrnd_vm *vm, acrnd_done_fn done, void *user)
{
	complete(done, user, -EOPNOTSUPP,
	         "VM '%s': wakeup from guest S3 is not supported yet by acrn-dm's monitor",
	         vm->def->name);
}

/* ---- accessors ---- */

const char *acrnd_vm_name(struct acrnd_vm *vm)
{
	return vm->def->name;
}

const struct acrnd_def *acrnd_vm_def(struct acrnd_vm *vm)
{
	return vm->def;
}

enum acrnd_state acrnd_vm_state(struct acrnd_vm *vm)
{
	return vm->state;
}

bool acrnd_vm_autostart(struct acrnd_vm *vm)
{
	return vm->autostart;
}

pid_t acrnd_vm_pid(struct acrnd_vm *vm)
{
	return vm->pid;
}

const char *acrnd_vm_console_pty(struct acrnd_vm *vm)
{
	for (unsigned i = 0; i < ACRND_SERIALS_MAX; i++)
		if (vm->pty[i])
			return vm->pty[i];
	return NULL;
}

const char *acrnd_vm_serial_pty(struct acrnd_vm *vm, unsigned port)
{
	return port < ACRND_SERIALS_MAX ? vm->pty[port] : NULL;
}

char *acrnd_vm_definition(struct acrnd_vm *vm)
{
	return acrnd_def_format_live(vm->def, vm->pty);
}

int acrnd_vm_set_autostart(struct acrnd_vm *vm, bool on, GError **error)
{
	int rc;

	if (vm->autostart == on)
		return 0;
	rc = acrnd_store_set_autostart(vm->mgr->store, vm->def->name, on, error);
	if (rc)
		return rc;
	vm->autostart = on;
	manager_emit_changed(vm->mgr, vm, "Autostart");
	return 0;
}

void *acrnd_vm_get_binding(struct acrnd_vm *vm)
{
	return vm->binding;
}

void acrnd_vm_set_binding(struct acrnd_vm *vm, void *data, GDestroyNotify free_fn)
{
	if (vm->binding_free)
		vm->binding_free(vm->binding);
	vm->binding = data;
	vm->binding_free = free_fn;
}
