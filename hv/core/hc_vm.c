/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Service VM hypercalls that manage a post-launched VM's life and memory
 * (ACRN v3.3 semantics; our one extension: START_VM resumes a paused VM):
 * CREATE/DESTROY/START/PAUSE/RESET_VM, SET_VCPU_REGS, VM_SET_MEMORY_REGIONS,
 * VM_GPA2HPA. Everything the Service VM passes is read once and checked;
 * errors are -EINVAL for bad arguments, -EBUSY for the wrong VM state,
 * -ENOMEM/-ENOSPC for limits.
 */
#include <acrn/hypercall.h>
#include <acrn/memory.h>
#include <acrn/vm.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pgtable.h>
#include <hv/vm.h>

/* Flags the device model may set at creation (ACRN's DM_OWNED_GUEST_FLAG_MASK, what we support). */
#define DM_OWNED_FLAGS GUEST_FLAG_IO_COMPLETION_POLLING

static unsigned popcount64(uint64_t x)
{
	unsigned n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/* The slot named @name, else the first free POST_LAUNCHED slot; NULL if none. */
static struct vm *pick_slot(const char *name, int *err)
{
	struct vm *free = NULL;

	for (unsigned i = 0; i < nr_vms; i++) {
		struct vm *vm = &vms[i];

		if (vm->cfg->load_order != LOAD_POST_LAUNCHED)
			continue;
		if (!strcmp(vm->cfg->name, name)) {
			*err = vm->created ? -EBUSY : 0;
			return vm->created ? NULL : vm;
		}
		if (!vm->created && !free)
			free = vm;
	}
	*err = free ? 0 : -ENOSPC;
	return free;
}

int64_t hc_create_vm(struct vm *service, uint64_t gpa)
{
	struct acrn_vm_creation cv;
	char name[ACRN_VM_NAME_LEN];
	uint64_t affinity;
	struct vm *vm;
	int err;

	if (hc_copy_from_gpa(service, &cv, gpa, sizeof(cv)))
		return -EINVAL;
	memcpy(name, cv.name, sizeof(name));
	/* At most 15 characters and a NUL, as ACRN's MAX_VM_NAME_LEN. */
	if (strnlen(name, sizeof(name)) == sizeof(name) || !name[0])
		return -EINVAL;
	hc_lock();
	vm = pick_slot(name, &err);
	if (!vm)
		goto out;
	affinity = cv.cpu_affinity ? cv.cpu_affinity : vm->cfg->cpu_affinity;
	if (affinity & ~vm->cfg->cpu_affinity || popcount64(affinity) > ACRN_IO_REQUEST_MAX) {
		err = -EINVAL;
		goto out;
	}
	err = vm_create_post(vm, service, affinity, cv.vm_flag & DM_OWNED_FLAGS);
	if (err)
		goto out;
	cv.vmid = (uint16_t)(vm->id - service->id);
	cv.vcpu_num = (uint16_t)vm->nr_vcpus;
	err = hc_copy_to_gpa(service, gpa, &cv, sizeof(cv));
	if (err)
		vm_destroy(vm);
out:
	hc_unlock();
	return err;
}

static bool stopped(const struct vm *vm)
{
	return vm->state != VM_RUNNING && vm->state != VM_STOPPING && !vm->vcpus_online;
}

int64_t hc_destroy_vm(struct vm *vm)
{
	int err = -EBUSY;

	hc_lock();
	if (stopped(vm)) {
		vm_destroy(vm);
		err = 0;
	}
	hc_unlock();
	return err;
}

/*
 * Our extension of ACRN's ABI (api/README.md): ACRN v3.3 starts only a
 * CREATED VM; START_VM of a PAUSED one here resumes it where it stopped
 * (vm_resume): no reset, the vCPUs' registers, waits, ioreqs, pending
 * interrupts and timers as they were. A paused VM that should start afresh
 * goes through RESET_VM first, as before. Under hc_lock, so a resume and a
 * DESTROY_VM or RESET_VM of the same VM are ordered.
 */
int64_t hc_start_vm(struct vm *vm)
{
	int err;

	hc_lock();
	if (vm->state == VM_PAUSED)
		err = vm_resume(vm);
	else if (vm->state != VM_CREATED)
		err = -EBUSY;
	else if (!vm->ioreq_page)
		err = -EINVAL; /* nobody would serve its I/O */
	else
		err = vm_start(vm);
	hc_unlock();
	return err;
}

int64_t hc_pause_vm(struct vm *vm)
{
	int err;

	if (vm->state == VM_POWERED_OFF)
		return -EINVAL;
	/* Unlocked: other management calls must not stall while vCPUs stop. */
	err = vm_pause(vm);
	/* Not running: already paused (or never started), as ACRN accepts. */
	if (err == -EBUSY && (vm->state == VM_PAUSED || vm->state == VM_CREATED))
		err = 0;
	return err;
}

int64_t hc_reset_vm(struct vm *vm)
{
	int err = -EBUSY;

	hc_lock();
	if (stopped(vm) && vm->state != VM_CREATED)
		err = vm_reset_post(vm);
	hc_unlock();
	return err;
}

int64_t hc_set_vcpu_regs(struct vm *service, struct vm *vm, uint64_t gpa)
{
	struct acrn_vcpu_regs r;
	int err;

	if (hc_copy_from_gpa(service, &r, gpa, sizeof(r)))
		return -EINVAL;
	if (r.vcpu_id >= vm->nr_vcpus || r.reserved[0] || r.reserved[1] || r.reserved[2])
		return -EINVAL;
	hc_lock();
	if (vm->state != VM_CREATED && vm->state != VM_PAUSED)
		err = -EBUSY;
	else
		err = vcpu_arch_set_regs(&vm->vcpus[r.vcpu_id], &r.vcpu_regs);
	hc_unlock();
	return err;
}

static int prot_of(uint32_t prot, unsigned *out)
{
	if (prot & ~(ACRN_MEM_ACCESS_RIGHT_MASK | ACRN_MEM_TYPE_MASK) ||
	    !(prot & ACRN_MEM_ACCESS_RIGHT_MASK))
		return -EINVAL;
	/* Stage 2 cannot grant write or execute without read. */
	*out = PGT_READ;
	if (prot & ACRN_MEM_ACCESS_WRITE)
		*out |= PGT_WRITE;
	if (prot & ACRN_MEM_ACCESS_EXEC)
		*out |= PGT_EXEC;
	if (prot & ACRN_MEM_TYPE_UC)
		*out |= PGT_UNCACHED;
	return 0;
}

static int apply_region(struct vm *service, struct vm *vm, const struct vm_memory_region *mr)
{
	unsigned prot;
	void *hva;

	switch (mr->type) {
	case MR_ADD:
		if (prot_of(mr->prot, &prot) || !vm_arch_ram_range_ok(mr->gpa, mr->size))
			return -EINVAL;
		/* Wholly inside the Service VM's RAM: never hypervisor or device memory. */
		hva = vm_gpa_to_hva(service, mr->service_vm_gpa, mr->size);
		if (!hva || !mr->size)
			return -EINVAL;
		return vm_ram_add(vm, mr->gpa, ptr_to_hpa(hva), mr->size, prot);
	case MR_DEL:
		return vm_ram_del(vm, mr->gpa, mr->size);
	case MR_MODIFY:
		if (prot_of(mr->prot, &prot))
			return -EINVAL;
		return vm_ram_modify(vm, mr->gpa, mr->size, prot);
	default:
		return -EINVAL;
	}
}

int64_t hc_set_memory_regions(struct vm *service, struct vm *vm, uint64_t gpa)
{
	struct set_regions sr;
	int err = 0;

	if (hc_copy_from_gpa(service, &sr, gpa, sizeof(sr)))
		return -EINVAL;
	if (sr.mr_num > ACRN_MEMORY_REGIONS_MAX ||
	    !vm_gpa_to_hva(service, sr.regions_gpa,
	                   (uint64_t)sr.mr_num * sizeof(struct vm_memory_region)))
		return -EINVAL;
	hc_lock();
	/* Regions before a bad one stay applied, as in ACRN; the error names the call. */
	for (uint32_t i = 0; !err && i < sr.mr_num; i++) {
		struct vm_memory_region mr;

		err = hc_copy_from_gpa(service, &mr, sr.regions_gpa + i * sizeof(mr), sizeof(mr));
		if (!err)
			err = apply_region(service, vm, &mr);
	}
	hc_unlock();
	return err;
}

int64_t hc_gpa2hpa(struct vm *service, struct vm *vm, uint64_t gpa)
{
	struct vm_gpa2hpa g;

	if (hc_copy_from_gpa(service, &g, gpa, sizeof(g)))
		return -EINVAL;
	g.hpa = vm_gpa_to_hpa(vm, g.gpa);
	if (hc_copy_to_gpa(service, gpa, &g, sizeof(g)))
		return -EINVAL;
	return g.hpa == ACRN_INVALID_HPA ? -EINVAL : 0;
}
