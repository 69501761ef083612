/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The board bridge (api/bridge.md, api/include/acrn/bridge.h): on an
 * emulated board the host plays the Service VM. That VM has no vCPU; its RAM
 * is shared with the host, whose hypercalls arrive as slots in a header page
 * and a doorbell, and run here on the bridge pCPU outside interrupt context.
 */
#ifndef HV_BRIDGE_H
#define HV_BRIDGE_H

#include <hv/types.h>

struct pcpu;
struct scenario_vm;
struct vm;

/* Work an interrupt handler hands to its pCPU's run loop (struct pcpu.deferred). */
#define PCPU_WORK_BRIDGE BIT(0)

/*
 * Create the vCPU-less Service VM of @cfg (kernel_type = bridge) as @vm,
 * lay out its header page, install its upcall hook and route the doorbell
 * to its pCPU. It counts as running from here on.
 */
int bridge_create(struct vm *vm, vmid_t id, const struct scenario_vm *cfg);
/* The doorbell interrupt (on the bridge pCPU): @hello: the host asked where we are. */
void bridge_doorbell(bool hello);
/* Run the posted hypercall slots; called by pcpu_run_loop, never in interrupt context. */
void bridge_run_deferred(struct pcpu *p);

/* ---- arch hooks ---- */
/* Set up the doorbell device and route its interrupt to @pcpu; -ENODEV if none. */
int bridge_arch_init(cpuid_t pcpu);
/* Send bytes to the host (any pCPU; serialized inside). */
void bridge_arch_send(const char *s, size_t len);

#endif
