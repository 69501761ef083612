/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest RAM as a short list of host-contiguous blocks, kept in step with
 * the stage-2 tables. A pre-launched or Service VM has one block the
 * hypervisor allocated at GPA 0 (and a lock-free fast path); a
 * post-launched VM gets blocks of Service VM memory through
 * HC_VM_SET_MEMORY_REGIONS. The list answers gpa -> hva without walking
 * tables and accounts the total against the scenario's `memory`.
 */
#include <acrn/hypercall.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The block holding [gpa, gpa+len), or NULL. Caller holds mem_lock. */
static struct vm_ram_region *find(struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		struct vm_ram_region *r = &vm->ram[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

/* Out of line: vm_gpa_to_hva's fast path then needs no stack frame. */
__attribute__((noinline)) static void *gpa_to_hva_locked(struct vm *vm, uint64_t gpa, uint64_t len)
{
	struct vm_ram_region *r;
	void *hva = NULL;

	spin_lock(&vm->mem_lock);
	r = find(vm, gpa, len ? len : 1);
	if (r)
		hva = hpa_to_ptr(r->hpa + (gpa - r->gpa));
	spin_unlock(&vm->mem_lock);
	return hva;
}

__hot void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	/* The one fixed block of a VM whose RAM the hypervisor owns: no lock needed. */
	if (vm->ram_hpa) {
		if (gpa >= vm->ram_size || len > vm->ram_size - gpa)
			return NULL;
		return hpa_to_ptr(vm->ram_hpa + gpa);
	}
	return gpa_to_hva_locked(vm, gpa, len);
}

bool vm_gpa_is_ram(struct vm *vm, uint64_t gpa)
{
	return vm_gpa_to_hva(vm, gpa, 1) != NULL;
}

uint64_t vm_gpa_to_hpa(struct vm *vm, uint64_t gpa)
{
	void *hva = vm_gpa_to_hva(vm, gpa, 1);

	return hva ? ptr_to_hpa(hva) : ACRN_INVALID_HPA;
}

/* Cached translations of every vCPU must go before the memory is reused. */
static void flush_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_request(&vm->vcpus[i], VCPU_REQ_FLUSH);
}

/* Merge blocks that continue each other in both address spaces with the same rights. */
static void merge(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		for (unsigned j = 0; j < vm->nr_ram; j++) {
			struct vm_ram_region *a = &vm->ram[i], *b = &vm->ram[j];

			if (i == j || a->gpa + a->size != b->gpa || a->hpa + a->size != b->hpa ||
			    a->prot != b->prot)
				continue;
			a->size += b->size;
			*b = vm->ram[--vm->nr_ram];
			merge(vm);
			return;
		}
	}
}

/* Grow a block that [gpa, gpa+size) at hpa continues or precedes; false if none does. */
static bool extend(struct vm *vm, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned prot)
{
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		struct vm_ram_region *r = &vm->ram[i];

		if (r->prot != prot)
			continue;
		if (r->gpa + r->size == gpa && r->hpa + r->size == hpa) {
			r->size += size;
			return true;
		}
		if (gpa + size == r->gpa && hpa + size == r->hpa) {
			r->gpa = gpa;
			r->hpa = hpa;
			r->size += size;
			return true;
		}
	}
	return false;
}

int vm_ram_add(struct vm *vm, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned prot)
{
	bool grows;
	int err;

	if (!size || (gpa | hpa | size) & (PAGE_SIZE - 1) || gpa + size < gpa || hpa + size < hpa)
		return -EINVAL;
	spin_lock(&vm->mem_lock);
	err = 0;
	for (unsigned i = 0; !err && i < vm->nr_ram; i++) {
		if (overlaps(gpa, size, vm->ram[i].gpa, vm->ram[i].size))
			err = -EEXIST;
	}
	if (!err && size > vm->cfg->memory_size - vm->ram_total)
		err = -ENOMEM;
	/* What the HSM sends page run by page run mostly continues a block: no entry needed. */
	grows = false;
	for (unsigned i = 0; !err && !grows && i < vm->nr_ram; i++) {
		const struct vm_ram_region *r = &vm->ram[i];

		grows = r->prot == prot && ((r->gpa + r->size == gpa && r->hpa + r->size == hpa) ||
		                            (gpa + size == r->gpa && hpa + size == r->hpa));
	}
	if (!err && !grows && vm->nr_ram == VM_MAX_RAM_REGIONS)
		err = -ENOSPC;
	if (!err)
		err = pgtable_map(&vm->stage2, gpa, hpa, size, prot | PGT_USER);
	if (!err) {
		if (!extend(vm, gpa, hpa, size, prot))
			vm->ram[vm->nr_ram++] = (struct vm_ram_region){
				.gpa = gpa, .size = size, .hpa = hpa, .prot = prot
			};
		vm->ram_total += size;
		merge(vm);
	} else if (err != -ENOSPC && err != -ENOMEM && err != -EEXIST) {
		/* A table allocation failed halfway: leave nothing half-mapped. */
		pgtable_unmap(&vm->stage2, gpa, size);
	}
	spin_unlock(&vm->mem_lock);
	return err;
}

int vm_ram_del(struct vm *vm, uint64_t gpa, uint64_t size)
{
	struct vm_ram_region *r, tail;
	int err = 0;

	if (!size || (gpa | size) & (PAGE_SIZE - 1) || gpa + size < gpa)
		return -EINVAL;
	spin_lock(&vm->mem_lock);
	r = find(vm, gpa, size);
	if (!r) {
		spin_unlock(&vm->mem_lock);
		return -ENOENT;
	}
	/* Splitting a block in two needs a free entry. */
	if (gpa > r->gpa && gpa + size < r->gpa + r->size && vm->nr_ram == VM_MAX_RAM_REGIONS) {
		spin_unlock(&vm->mem_lock);
		return -ENOSPC;
	}
	err = pgtable_unmap(&vm->stage2, gpa, size);
	if (!err) {
		tail = (struct vm_ram_region){ .gpa = gpa + size,
			                       .size = r->gpa + r->size - (gpa + size),
			                       .hpa = r->hpa + (gpa + size - r->gpa),
			                       .prot = r->prot };
		r->size = gpa - r->gpa;
		if (!r->size)
			*r = vm->ram[--vm->nr_ram];
		if (tail.size)
			vm->ram[vm->nr_ram++] = tail;
		vm->ram_total -= size;
	}
	spin_unlock(&vm->mem_lock);
	flush_vcpus(vm);
	return err;
}

int vm_ram_modify(struct vm *vm, uint64_t gpa, uint64_t size, unsigned prot)
{
	struct vm_ram_region *r;
	paddr_t hpa;
	int err;

	if (!size || (gpa | size) & (PAGE_SIZE - 1) || gpa + size < gpa)
		return -EINVAL;
	spin_lock(&vm->mem_lock);
	r = find(vm, gpa, size);
	if (!r) {
		spin_unlock(&vm->mem_lock);
		return -ENOENT;
	}
	hpa = r->hpa + (gpa - r->gpa);
	/* The list keeps the block's rights; the tables carry the change. */
	err = pgtable_map(&vm->stage2, gpa, hpa, size, prot | PGT_USER);
	spin_unlock(&vm->mem_lock);
	flush_vcpus(vm);
	return err;
}

void vm_ram_clear(struct vm *vm, bool zero)
{
	spin_lock(&vm->mem_lock);
	for (unsigned i = 0; i < vm->nr_ram; i++) {
		if (zero)
			memset(hpa_to_ptr(vm->ram[i].hpa), 0, vm->ram[i].size);
		pgtable_unmap(&vm->stage2, vm->ram[i].gpa, vm->ram[i].size);
	}
	vm->nr_ram = 0;
	vm->ram_total = 0;
	spin_unlock(&vm->mem_lock);
	flush_vcpus(vm);
}
