/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What acrn-dm does first on a board, through its board transport: find the
 * bridge with no flags ($ACRN_BRIDGE or the default socket), CREATE_VM by
 * name, and on success take guest RAM and map it, then close (which destroys
 * the VM). Prints one line per step; exit 0 if every answer was clean (a
 * success or a precise errno), 1 otherwise.
 */
#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include <acrn/memory.h>
#include <dm/transport.h>

int main(int argc, char **argv)
{
	struct acrn_vm_creation c = { 0 };
	GError *error = NULL;
	struct dm_transport *t;
	void *ram;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: bridge-dm-client VM_NAME\n");
		return 2;
	}
	t = dm_transport_board_open(NULL, &error);
	if (!t) {
		printf("open: %s\n", error->message);
		return 1;
	}
	g_strlcpy((char *)c.name, argv[1], sizeof(c.name));
	r = t->ops->create_vm(t, &c);
	if (r) {
		printf("create_vm %s: error %d (%s)\n", argv[1], r, g_strerror(-r));
		t->ops->close(t);
		return r == -ENOSYS || r == -ENOTTY || r == -EINVAL || r == -EBUSY ? 0 : 1;
	}
	printf("create_vm %s: vmid %u, %u vCPU(s)\n", argv[1], c.vmid, c.vcpu_num);
	ram = t->ops->alloc_ram(t, 2U << 20);
	if (!ram) {
		printf("alloc_ram: %s\n", g_strerror(errno));
		t->ops->close(t);
		return 1;
	}
	r = t->ops->map_ram(t, 0, ram, 2U << 20, ACRN_MEM_ACCESS_RWX | ACRN_MEM_TYPE_WB);
	printf("map_ram: %d%s%s\n", r, r ? " " : "", r ? g_strerror(-r) : "");
	r = t->ops->destroy_vm(t);
	printf("destroy_vm: %d\n", r);
	t->ops->close(t);
	return 0;
}
