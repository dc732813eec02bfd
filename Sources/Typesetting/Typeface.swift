import CFreeType
import CHarfBuzz
import Foundation

/// One font opened for setting text: HarfBuzz positions glyphs (advances, GPOS kerning, mark
/// placement), FreeType rasterises them to 8-bit coverage, both over the same bytes.
///
/// Owns its C handles and frees them in `deinit`. Not thread-safe (FreeType faces are not): make
/// one per thread, they are cheap to open.
public final class Typeface {
    public let name: String
    /// Vertical metrics in font units (hhea): ascender above the baseline, descender below (both positive).
    public let unitsPerEm: Int
    public let ascender: Int
    public let descender: Int

    private let storage: UnsafeMutableRawBufferPointer
    private let library: FT_Library
    private let face: FT_Face
    private let hbBlob: OpaquePointer
    private let hbFace: OpaquePointer
    private let hbFont: OpaquePointer
    private let hbBuffer: OpaquePointer
    private var currentPixelSize = 0

    public init(_ data: FontData) throws(TypesettingError) {
        name = data.name
        // FreeType and HarfBuzz read the bytes in place for the face's lifetime: keep our own copy.
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, data.bytes.count), alignment: 16)
        storage.copyBytes(from: data.bytes)
        var library: FT_Library?
        var error = FT_Init_FreeType(&library)
        guard error == 0, let library else {
            storage.deallocate()
            throw .fontUnreadable(name: data.name, reason: "FreeType could not start (error \(error))")
        }
        var face: FT_Face?
        error = FT_New_Memory_Face(library, storage.baseAddress!.assumingMemoryBound(to: FT_Byte.self),
                                   FT_Long(data.bytes.count), 0, &face)
        guard error == 0, let face, face.pointee.face_flags & FT_Long(FT_FACE_FLAG_SCALABLE) != 0 else {
            if let face { FT_Done_Face(face) }
            FT_Done_FreeType(library)
            storage.deallocate()
            throw .fontUnreadable(name: data.name, reason: error != 0 ? "FreeType error \(error)" : "not a scalable outline font")
        }
        self.library = library
        self.face = face
        unitsPerEm = Int(face.pointee.units_per_EM)
        ascender = Int(face.pointee.ascender)
        descender = -Int(face.pointee.descender)

        hbBlob = hb_blob_create(UnsafeRawPointer(storage.baseAddress!).assumingMemoryBound(to: CChar.self),
                                UInt32(data.bytes.count), HB_MEMORY_MODE_READONLY, nil, nil)
        hbFace = hb_face_create(hbBlob, 0)
        hbFont = hb_font_create(hbFace)
        hbBuffer = hb_buffer_create()
    }

    deinit {
        hb_buffer_destroy(hbBuffer)
        hb_font_destroy(hbFont)
        hb_face_destroy(hbFace)
        hb_blob_destroy(hbBlob)
        FT_Done_Face(face)
        FT_Done_FreeType(library)
        storage.deallocate()
    }

    /// Pixels from the baseline up to the font's ascender at `pixelSize` (pixels per em).
    public func ascent(pixelSize: Int) -> Int { (ascender * pixelSize + unitsPerEm - 1) / unitsPerEm }
    public func descent(pixelSize: Int) -> Int { (descender * pixelSize + unitsPerEm - 1) / unitsPerEm }
    /// Baseline-to-baseline distance for consecutive lines.
    public func lineHeight(pixelSize: Int) -> Int { ascent(pixelSize: pixelSize) + descent(pixelSize: pixelSize) }

    /// Shapes and rasterises one line of text at `pixelSize` pixels per em. The text is
    /// NFC-normalised first (so "e" + U+0302 + U+0303 prints as the font's own "ễ") and shaped as
    /// its Unicode scalars, left to right, as Vietnamese.
    public func line(_ text: String, pixelSize: Int) -> TextLine {
        precondition(pixelSize > 0, "pixel size must be positive")
        let scalars = Array(text.precomposedStringWithCanonicalMapping.unicodeScalars)
        if pixelSize != currentPixelSize {
            FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixelSize))
            hb_font_set_scale(hbFont, Int32(pixelSize * 64), Int32(pixelSize * 64))
            currentPixelSize = pixelSize
        }
        hb_buffer_clear_contents(hbBuffer)
        let codepoints = scalars.map(\.value)
        hb_buffer_add_codepoints(hbBuffer, codepoints, Int32(codepoints.count), 0, Int32(codepoints.count))
        hb_buffer_set_direction(hbBuffer, HB_DIRECTION_LTR)
        hb_buffer_set_script(hbBuffer, HB_SCRIPT_LATIN)
        hb_buffer_set_language(hbBuffer, hb_language_from_string("vi", -1))
        hb_shape(hbFont, hbBuffer, nil, 0)

        var count: UInt32 = 0
        let infos = hb_buffer_get_glyph_infos(hbBuffer, &count)
        let positions = hb_buffer_get_glyph_positions(hbBuffer, &count)
        var glyphs: [GlyphBitmap] = []
        var missing: [Unicode.Scalar] = []
        var penX = 0 // 26.6 fixed point, like HarfBuzz's positions at this scale
        for i in 0..<Int(count) {
            let info = infos![i], position = positions![i]
            if info.codepoint == 0 { missing.append(scalars[Int(info.cluster)]) }
            let x = penX + Int(position.x_offset)
            let y = -Int(position.y_offset) // HarfBuzz y grows upwards, raster rows downwards
            // Whole pixels go into the bitmap's place; the fraction into the outline, so glyphs keep
            // their kerned positions instead of snapping to the pixel grid.
            var delta = FT_Vector(x: FT_Pos(x & 63), y: FT_Pos(-(y & 63)))
            FT_Set_Transform(face, nil, &delta)
            if FT_Load_Glyph(face, info.codepoint, FT_Int32(FT_LOAD_NO_HINTING | FT_LOAD_RENDER)) == 0 {
                let slot = face.pointee.glyph!.pointee
                let bitmap = slot.bitmap
                if bitmap.width > 0, bitmap.rows > 0, bitmap.pixel_mode == UInt8(FT_PIXEL_MODE_GRAY.rawValue) {
                    let width = Int(bitmap.width), height = Int(bitmap.rows), pitch = Int(bitmap.pitch)
                    var coverage = [UInt8](repeating: 0, count: width * height)
                    for row in 0..<height {
                        let source = bitmap.buffer! + (pitch >= 0 ? row * pitch : (height - 1 - row) * -pitch)
                        for column in 0..<width { coverage[row * width + column] = source[column] }
                    }
                    glyphs.append(GlyphBitmap(left: (x >> 6) + Int(slot.bitmap_left), top: (y >> 6) - Int(slot.bitmap_top),
                                              width: width, height: height, coverage: coverage))
                }
            }
            penX += Int(position.x_advance)
        }
        FT_Set_Transform(face, nil, nil)
        return TextLine(text: String(String.UnicodeScalarView(scalars)), pixelSize: pixelSize,
                        advance: (penX + 63) >> 6, ascent: ascent(pixelSize: pixelSize), descent: descent(pixelSize: pixelSize),
                        glyphs: glyphs, missing: missing)
    }
}
