/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-bridge-ctl: talk to acrn-bridged by hand or from tests.
 *   version      the hypervisor's API version, through the bridge
 *   create NAME  CREATE_VM (and its ioreq page) as acrn-dm would, then close
 *   bench [N]    round-trip times: multiplexer only, and a hypercall
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <acrn/hsm.h>
#include <acrn/hypercall.h>

#include "proto.h"
#include "sockpath.h"

static int request(int sock, uint16_t op, const void *in, uint32_t len, int fd, void *out,
                   size_t out_max, int *out_fd)
{
	static uint32_t seq;
	struct acrn_bridge_msg m = { .op = op, .len = len, .seq = ++seq };
	int rfd = -1, err;

	err = bridge_msg_send(sock, &m, in, fd);
	if (!err)
		err = bridge_msg_recv(sock, &m, out, out_max, &rfd);
	if (err)
		return err;
	if (out_fd)
		*out_fd = rfd;
	else if (rfd >= 0)
		close(rfd);
	return m.result;
}

static int cmd_version(int sock)
{
	struct acrn_bridge_hello h = { 0 };
	struct hc_api_version v = { 0 };
	uint32_t ver = ACRN_BRIDGE_VERSION;
	int r = request(sock, ACRN_BRIDGE_OP_HELLO, &ver, sizeof(ver), -1, &h, sizeof(h), NULL);

	if (r) {
		fprintf(stderr, "acrn-bridge-ctl: hello: %s\n", g_strerror(-r));
		return 1;
	}
	printf("bridge protocol %u, board %s, Service-VM RAM %llu MiB (%llu MiB free)\n", h.version,
	       h.board_up ? "up" : "down", (unsigned long long)h.ram_size >> 20,
	       (unsigned long long)h.ram_free >> 20);
	r = request(sock, ACRN_BRIDGE_OP_API_VERSION, NULL, 0, -1, &v, sizeof(v), NULL);
	if (r) {
		fprintf(stderr, "acrn-bridge-ctl: GET_API_VERSION: %s\n", g_strerror(-r));
		return 1;
	}
	printf("hypervisor API version %u.%u\n", v.major_version, v.minor_version);
	return 0;
}

static int cmd_create(int sock, const char *name)
{
	struct acrn_vm_creation c = { .vcpu_num = 0 };
	struct acrn_bridge_created out = { 0 };
	int efd = eventfd(0, EFD_CLOEXEC), rfd = -1, r;

	g_strlcpy((char *)c.name, name, sizeof(c.name));
	r = request(sock, ACRN_HSM_CREATE_VM, &c, sizeof(c), efd, &out, sizeof(out), &rfd);
	close(efd);
	if (rfd >= 0)
		close(rfd);
	if (r) {
		printf("CREATE_VM %s: error %d (%s)\n", name, r, g_strerror(-r));
		return 3;
	}
	memcpy(&c, out.creation, sizeof(c));
	printf("CREATE_VM %s: vmid %u, %u vCPU(s), ioreq page at Service-VM 0x%llx\n", name, c.vmid,
	       c.vcpu_num, (unsigned long long)out.ioreq_service_vm_pa);
	return 0;
}

static double now_us(void)
{
	return (double)g_get_monotonic_time();
}

static int cmd_bench(int sock, unsigned n)
{
	struct hc_api_version v;
	double t0, mux_us, hc_us;

	/* Warm up: the first hypercalls may find the bridge pCPU asleep in TCG. */
	for (unsigned i = 0; i < 5; i++)
		request(sock, ACRN_BRIDGE_OP_API_VERSION, NULL, 0, -1, &v, sizeof(v), NULL);
	t0 = now_us();
	for (unsigned i = 0; i < n; i++)
		if (request(sock, ACRN_BRIDGE_OP_NOP, NULL, 0, -1, NULL, 0, NULL))
			return 1;
	mux_us = (now_us() - t0) / n;
	t0 = now_us();
	for (unsigned i = 0; i < n; i++) {
		int r = request(sock, ACRN_BRIDGE_OP_API_VERSION, NULL, 0, -1, &v, sizeof(v), NULL);

		if (r) {
			fprintf(stderr, "acrn-bridge-ctl: GET_API_VERSION: %s\n", g_strerror(-r));
			return 1;
		}
	}
	hc_us = (now_us() - t0) / n;
	printf("round trips: %u\n", n);
	printf("multiplexer only (NOP): %.1f us\n", mux_us);
	printf("hypercall through the bridge (GET_API_VERSION): %.1f us\n", hc_us);
	printf("bridge share: %.1f us\n", hc_us - mux_us);
	return 0;
}

int main(int argc, char **argv)
{
	g_autofree char *path = NULL;
	int argi = 1, sock, ret;

	if (argi + 1 < argc && !strcmp(argv[argi], "--socket")) {
		path = g_strdup(argv[argi + 1]);
		argi += 2;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: acrn-bridge-ctl [--socket PATH] version | create NAME | "
		                "bench [N]\n");
		return 2;
	}
	if (!path)
		path = bridge_default_socket();
	sock = bridge_unix_connect(path);
	if (sock < 0) {
		fprintf(stderr,
		        "acrn-bridge-ctl: cannot connect to %s: %s (is acrn-bridged running? "
		        "acrn-board starts it for a bridge scenario)\n",
		        path, g_strerror(-sock));
		return 1;
	}
	if (!strcmp(argv[argi], "version")) {
		ret = cmd_version(sock);
	} else if (!strcmp(argv[argi], "create") && argi + 1 < argc) {
		ret = cmd_create(sock, argv[argi + 1]);
	} else if (!strcmp(argv[argi], "bench")) {
		long n = argi + 1 < argc ? strtol(argv[argi + 1], NULL, 10) : 200;

		ret = n > 0 && n < 1000000 ? cmd_bench(sock, (unsigned)n) : 2;
	} else {
		fprintf(stderr, "acrn-bridge-ctl: unknown command '%s'\n", argv[argi]);
		ret = 2;
	}
	close(sock);
	return ret;
}
