/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-vm-follow: the main process of acrn-vm@NAME.service. It asks acrnd to
 * start VM NAME (or adopts it when it already runs), reports READY=1 once the
 * VM runs, and stays until the VM is off: exit 0 when it powered off, 1 when
 * it could not start or crashed for good (a crash acrnd's on_crash policy
 * restarts is followed). SIGTERM (systemctl stop) asks acrnd for a graceful
 * Shutdown, which acrnd turns into Destroy after the timeout; the follower
 * exits once the VM is off. acrnd may restart meanwhile (it re-adopts running
 * VMs): the follower re-reads the state whenever the bus name gets an owner.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#define BUS_NAME          "org.projectacrn.Acrnd1"
#define MGR_PATH          "/org/projectacrn/Acrnd1"
#define MGR_IFACE         "org.projectacrn.Acrnd1.Manager"
#define VM_IFACE          "org.projectacrn.Acrnd1.VM"

#define USEC_PER_SEC      1000000ULL
#define CALL_TIMEOUT_USEC (120 * USEC_PER_SEC) /* Start waits for acrn-dm's greeting */
/* acrnd moves a crashed VM to starting at once when on_crash restarts it. */
#define CRASH_GRACE_USEC (3 * USEC_PER_SEC)

static const char *vm_name;
static char *vm_path;
static char vm_state[32];
static bool state_stale = true, started, ready, stopping;
static uint64_t crashed_at;
static unsigned shutdown_timeout = 60;
static volatile sig_atomic_t term_requested;

static void on_term(int sig)
{
	(void)sig;
	term_requested = 1;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static int call_failed(const char *what, sd_bus_error *e, int r)
{
	fprintf(stderr, "acrn-vm-follow: %s VM '%s': %s\n", what, vm_name,
	        e->message ? e->message : strerror(-r));
	sd_bus_error_free(e);
	return r;
}

static int refresh_state(sd_bus *bus)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	char *s = NULL;
	int r;

	if (!vm_path) {
		r = sd_bus_call_method(bus, BUS_NAME, MGR_PATH, MGR_IFACE, "GetVM", &e, &reply, "s",
		                       vm_name);
		if (r >= 0)
			r = sd_bus_message_read(reply, "o", &path);
		if (r >= 0 && !(vm_path = strdup(path)))
			r = -ENOMEM;
		sd_bus_message_unref(reply);
		if (r < 0)
			return call_failed("cannot find", &e, r);
	}
	r = sd_bus_get_property_string(bus, BUS_NAME, vm_path, VM_IFACE, "State", &e, &s);
	if (r < 0)
		return call_failed("cannot read the state of", &e, r);
	snprintf(vm_state, sizeof(vm_state), "%s", s);
	free(s);
	state_stale = false;
	return 0;
}

static int on_state_changed(sd_bus_message *m, void *user, sd_bus_error *ret_error)
{
	const char *state, *reason;

	(void)user, (void)ret_error;
	if (!vm_path || strcmp(sd_bus_message_get_path(m), vm_path) != 0 ||
	    sd_bus_message_read(m, "ss", &state, &reason) < 0)
		return 0;
	fprintf(stderr, "acrn-vm-follow: VM '%s' is %s (%s)\n", vm_name, state, reason);
	snprintf(vm_state, sizeof(vm_state), "%s", state);
	return 0;
}

/* acrnd came back (a restart re-adopts running VMs): ask again, events may be lost. */
static int on_owner_changed(sd_bus_message *m, void *user, sd_bus_error *ret_error)
{
	const char *name, *old_owner, *new_owner;

	(void)user, (void)ret_error;
	if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) >= 0 && *new_owner)
		state_stale = true;
	return 0;
}

static bool is_off(void)
{
	return !strcmp(vm_state, "shutoff") || !strcmp(vm_state, "crashed");
}

static int vm_call(sd_bus *bus, const char *method, const char *sig, unsigned arg)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if (sig)
		r = sd_bus_call_method(bus, BUS_NAME, vm_path, VM_IFACE, method, &e, NULL, sig,
		                       arg);
	else
		r = sd_bus_call_method(bus, BUS_NAME, vm_path, VM_IFACE, method, &e, NULL, "");
	if (r < 0) {
		fprintf(stderr, "acrn-vm-follow: %s VM '%s': %s\n", method, vm_name,
		        e.message ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return r;
	}
	return 0;
}

/*
 * One step of the follower, after events were processed: returns 1 to go on
 * waiting, 0 when done (the VM is off), or a negative errno on failure.
 */
static int step(sd_bus *bus)
{
	int r;

	if (state_stale && (r = refresh_state(bus)) < 0)
		return r;
	if (!started) {
		started = true;
		if (is_off()) {
			r = vm_call(bus, "Start", NULL, 0);
			if (r < 0)
				return r;
			if ((r = refresh_state(bus)) < 0)
				return r;
		} else {
			fprintf(stderr, "acrn-vm-follow: VM '%s' is already %s: following it\n",
			        vm_name, vm_state);
		}
	}
	if (term_requested && !stopping) {
		stopping = true;
		sd_notifyf(0, "STOPPING=1\nSTATUS=Shutting down VM %s (destroyed after %u s)",
		           vm_name, shutdown_timeout);
		if (!is_off() && vm_call(bus, "Shutdown", "u", shutdown_timeout) < 0) {
			/* Busy (paused, starting): power it off now instead. */
			if ((r = refresh_state(bus)) < 0)
				return r;
			if (!is_off() && (r = vm_call(bus, "Destroy", NULL, 0)) < 0)
				return r;
		}
	}
	if (!strcmp(vm_state, "shutoff"))
		return 0;
	if (!strcmp(vm_state, "crashed")) {
		if (stopping)
			return 0;
		if (!crashed_at)
			crashed_at = now_usec();
		if (now_usec() - crashed_at >= CRASH_GRACE_USEC) {
			fprintf(stderr, "acrn-vm-follow: VM '%s' crashed and was not restarted\n",
			        vm_name);
			return -ECHILD;
		}
		return 1;
	}
	crashed_at = 0;
	if (!ready && !stopping && strcmp(vm_state, "starting") != 0) {
		ready = true;
		sd_notifyf(0, "READY=1\nSTATUS=VM %s is %s", vm_name, vm_state);
	}
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: acrn-vm-follow [--session] [--shutdown-timeout SECONDS] NAME\n"
	           "Start VM NAME through acrnd and stay until it is off; SIGTERM shuts it\n"
	           "down (destroyed after SECONDS, default 60; 0 waits forever).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "session", no_argument, NULL, 's' },
		{ "shutdown-timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_term }; /* no SA_RESTART: waits see EINTR */
	bool session = false;
	sd_bus *bus = NULL;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			session = true;
			break;
		case 't':
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || v > UINT32_MAX) {
				fprintf(stderr, "acrn-vm-follow: bad --shutdown-timeout '%s'\n",
				        optarg);
				return 2;
			}
			shutdown_timeout = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	vm_name = argv[optind];
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	r = session ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
	if (r < 0) {
		fprintf(stderr, "acrn-vm-follow: cannot connect to the %s bus: %s\n",
		        session ? "session" : "system", strerror(-r));
		return 1;
	}
	sd_bus_set_method_call_timeout(bus, CALL_TIMEOUT_USEC);
	/* Subscribed before the first read, so no change falls in between. */
	r = sd_bus_match_signal(bus, NULL, NULL, NULL, VM_IFACE, "StateChanged", on_state_changed,
	                        NULL);
	if (r >= 0)
		r = sd_bus_add_match(bus, NULL,
		                     "type='signal',sender='org.freedesktop.DBus',"
		                     "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
		                     "arg0='" BUS_NAME "'",
		                     on_owner_changed, NULL);
	if (r < 0) {
		fprintf(stderr, "acrn-vm-follow: cannot subscribe to acrnd's signals: %s\n",
		        strerror(-r));
		sd_bus_flush_close_unref(bus);
		return 1;
	}
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r > 0)
			continue;
		if (r >= 0) {
			r = step(bus); /* reports its own failures */
			if (r <= 0)
				break;
			/* A crash is final unless a restart follows within the grace period. */
			r = sd_bus_wait(bus, crashed_at ? CRASH_GRACE_USEC / 4 : UINT64_MAX);
			if (r >= 0 || r == -EINTR)
				continue;
		}
		fprintf(stderr, "acrn-vm-follow: lost the bus: %s\n", strerror(-r));
		break;
	}
	free(vm_path);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? 1 : 0;
}
