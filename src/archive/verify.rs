//! `Archive::verify`: checks every record's CRC-32 against the directory (loading stays lazy).

use super::zip_directory::Compression;
use super::{entry_content, Archive, ArchiveError};

impl Archive {
    /// Reads every record once and checks its CRC-32 against the central directory: stored
    /// records (tensor data) are hashed in place, compressed ones inflated (which checks their
    /// size and CRC). Loading never does this by itself, so that mapping stays lazy.
    pub fn verify(&self) -> Result<(), ArchiveError> {
        for entry in &self.entries {
            let content = entry_content(self.as_slice(), entry)?;
            if entry.compression == Compression::Stored {
                let crc = crc32fast::hash(&content);
                if crc != entry.crc32 {
                    return Err(ArchiveError::BadChecksum {
                        name: entry.name.clone(),
                        found: crc,
                        expected: entry.crc32,
                    });
                }
            }
        }
        Ok(())
    }
}
