"""Local image pipeline: debootstrap rootfs -> podman import -> layered podman builds.

No registry: every image is built here from Debian packages and tagged with the content
hash of what went into it, so an image whose tag exists is never rebuilt.
"""
