/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How acrn-dm reaches the hypervisor: one handle per VM, two
 * implementations behind one table.
 *   kernel  ioctls on /dev/acrn_hsm (<linux/acrn.h>), on a real Service VM;
 *   board   the board bridge's multiplexer socket, on an emulated board.
 * Everything above this interface is identical for both. Every operation
 * returns 0 or a negative errno and is safe to call from any thread.
 */
#ifndef DM_TRANSPORT_H
#define DM_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <acrn/hsm.h>
#include <glib.h>

struct dm_transport;

struct dm_transport_ops {
	const char *name; /* "kernel", "board" */
	/*
	 * Create the VM (CREATE_VM; c->vmid and c->vcpu_num come back) and its
	 * ioreq page, set it up as the kernel HSM does (SET_IOREQ_BUFFER) and
	 * make the page available as t->ioreq_page.
	 */
	int (*create_vm)(struct dm_transport *t, struct acrn_vm_creation *c);
	int (*destroy_vm)(struct dm_transport *t);
	int (*start_vm)(struct dm_transport *t);
	int (*pause_vm)(struct dm_transport *t);
	int (*reset_vm)(struct dm_transport *t);
	int (*set_vcpu_regs)(struct dm_transport *t, const struct acrn_vcpu_regs *regs);
	/*
	 * Guest RAM comes from the Service VM side. alloc_ram returns @size
	 * bytes of zeroed memory this process can use (kernel: a memfd mapping;
	 * board: a mapping of board RAM the multiplexer reserved for this VM),
	 * map_ram maps it at guest-physical @gpa (SET_MEMSEG), both in 2 MiB
	 * multiples. The VM's memory is released with the handle.
	 */
	void *(*alloc_ram)(struct dm_transport *t, uint64_t size);
	int (*map_ram)(struct dm_transport *t, uint64_t gpa, void *hva, uint64_t size,
	               uint32_t prot);
	int (*set_irqline)(struct dm_transport *t, uint32_t gsi, uint32_t op);
	int (*inject_msi)(struct dm_transport *t, uint64_t addr, uint64_t data);
	/*
	 * Block until some ioreq slot may be PROCESSING for us (ATTACH_IOREQ_CLIENT),
	 * or until wake_requests() is called; then the caller scans the page.
	 * Returns -ESHUTDOWN once the client is destroyed, -EPIPE when the
	 * hypervisor reports that the guest triple-faulted (its VM is off).
	 */
	int (*wait_requests)(struct dm_transport *t);
	void (*wake_requests)(struct dm_transport *t);
	/* Mark slot @vcpu COMPLETE (done by the caller) and resume the vCPU. */
	int (*notify_request_finish)(struct dm_transport *t, uint32_t vcpu);
	/* Force-complete every pending slot (reset path). */
	int (*clear_vm_ioreq)(struct dm_transport *t);
	/* Posted guest writes to @addr signal @fd; -EOPNOTSUPP: the caller falls back to ioreqs. */
	int (*ioeventfd)(struct dm_transport *t, const struct acrn_ioeventfd *e);
	/* Writes to @fd inject an MSI; -EOPNOTSUPP: the caller injects itself. */
	int (*irqfd)(struct dm_transport *t, const struct acrn_irqfd *f);
	void (*close)(struct dm_transport *t);
};

struct dm_transport {
	const struct dm_transport_ops *ops;
	uint16_t vmid;                             /* valid after create_vm */
	struct acrn_io_request_buffer *ioreq_page; /* valid after create_vm */
	void *priv;
};

/*
 * Open a transport. @name is "kernel", "board" or NULL for the first that
 * works: the kernel HSM if /dev/acrn_hsm exists, else the board bridge at
 * $ACRN_BRIDGE or its default socket (api/bridge.md). On failure: NULL and
 * a message for the user in @error.
 */
struct dm_transport *dm_transport_open(const char *name, GError **error);
struct dm_transport *dm_transport_kernel_open(const char *dev_path, GError **error);
struct dm_transport *dm_transport_board_open(const char *socket_path, GError **error);

#endif
