# pool.rb — the files QEMU opens by path, copied into libvirt's storage pool
# for the Vagrantfile.  libvirt runs QEMU as an unprivileged user
# (libvirt-qemu on Debian) that cannot reach root's home, where Vagrant
# keeps the box's kernel and initrd, nor .vagrant/replab, where the seeds
# are; the pool's directory it can, and libvirt gives the files to that user
# while a VM uses them.  vagrant-libvirt does the same for the box's disk.
# Each copy is named after its content, so its path is known before
# "vagrant up" and a changed file gets a new copy.
require "digest"

module ReplabPool
  DIR = "/var/lib/libvirt/images" # where vagrant-libvirt makes its default pool
  @lock = Mutex.new # machines come up in parallel threads

  # The pool's name for a copy of path: "PREFIX-HASH".
  def self.name_for(prefix, path)
    "#{prefix}-#{Digest::SHA256.file(path).hexdigest[0, 16]}"
  end

  def self.path(name)
    File.join(DIR, name)
  end

  # Copy each { name => local path } the pool lacks into the pool of the
  # machine's libvirt, creating the pool as vagrant-libvirt would.
  def self.put(machine, files)
    conn = machine.provider.driver.connection.client
    @lock.synchronize do
      pool = find_or_create_pool(conn, machine.provider_config.storage_pool_name)
      files.each { |name, local| volume(pool, name) || upload(conn, pool, name, local) }
    end
  end

  def self.delete(machine, name)
    conn = machine.provider.driver.connection.client
    pool = conn.lookup_storage_pool_by_name(machine.provider_config.storage_pool_name)
    volume(pool, name)&.delete
  rescue Libvirt::RetrieveError
    nil # no pool: nothing to delete
  end

  def self.volume(pool, name)
    pool.refresh
    pool.lookup_volume_by_name(name)
  rescue Libvirt::RetrieveError
    nil
  end

  def self.find_or_create_pool(conn, name)
    conn.lookup_storage_pool_by_name(name)
  rescue Libvirt::RetrieveError
    pool = conn.define_storage_pool_xml(
      "<pool type='dir'><name>#{name}</name><target><path>#{DIR}</path></target></pool>")
    pool.build
    pool.create
    pool
  end

  def self.upload(conn, pool, name, local)
    size = File.size(local)
    vol = pool.create_volume_xml("<volume><name>#{name}</name><capacity unit='B'>#{size}</capacity>" \
                                 "<target><format type='raw'/></target></volume>")
    unless vol.path == path(name)
      vol.delete
      raise "libvirt's storage pool \"#{pool.name}\" is not in #{DIR}: the VMs' kernel and seeds " \
            "must be there (move the pool, or name another with libvirt.storage_pool_name)"
    end
    stream = conn.stream
    vol.upload(stream, 0, size)
    File.open(local, "rb") do |f|
      while (chunk = f.read(1 << 20))
        chunk = chunk.byteslice(stream.send(chunk)..) until chunk.empty?
      end
    end
    stream.finish
  end
end
