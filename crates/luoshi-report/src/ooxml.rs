//! Puts the WordprocessingML docx-rs writes into the shape the schema
//! (ECMA-376, as the Open XML SDK validates it) requires, so that Word and
//! WPS open the file without "repairing" it.
//!
//! docx-rs writes the children of property elements in the order its
//! builder calls came (`<w:pPr><w:rPr/><w:jc/><w:spacing/>`), while the
//! schema declares most of them as sequences (`spacing` before `jc`, `rPr`
//! near the end). This pass streams each XML part once: everything outside
//! a property element is copied as it is; a property element (`pPr`,
//! `rPr`, `sectPr`, `tblPr`, `trPr`, `tcPr`, `style`, `lvl`, `settings`)
//! is read whole — they are small — and its children sorted, stably, into
//! the schema's order. On the way it drops what the schema does not allow
//! and docx-rs writes anyway: an empty `rPr` inside the `pPr` of a style,
//! of the paragraph defaults or of a numbering level, and the `w:type`
//! attribute of `gridCol`.
//!
//! The orders are the schema's (CT_PPr, CT_ParaRPr, CT_SectPr, CT_TblPr,
//! CT_TrPr, CT_TcPr, CT_Style, CT_Lvl, CT_Settings), limited to the names
//! a WordprocessingML producer may write; a child the list does not name
//! keeps its place after the named ones.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer};

/// CT_PPr: paragraph properties (the superset: a style's `pPr` is the same
/// sequence without `rPr`, `sectPr` and `pPrChange`).
const PPR: &[&str] = &[
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
];

/// CT_ParaRPr: run properties (a run's `rPr` is the same sequence without
/// the leading revision marks).
const RPR: &[&str] = &[
    "w:ins",
    "w:del",
    "w:moveFrom",
    "w:moveTo",
    "w:rStyle",
    "w:rFonts",
    "w:b",
    "w:bCs",
    "w:i",
    "w:iCs",
    "w:caps",
    "w:smallCaps",
    "w:strike",
    "w:dstrike",
    "w:outline",
    "w:shadow",
    "w:emboss",
    "w:imprint",
    "w:noProof",
    "w:snapToGrid",
    "w:vanish",
    "w:webHidden",
    "w:color",
    "w:spacing",
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
    "w:rPrChange",
];

/// CT_SectPr: section properties.
const SECT_PR: &[&str] = &[
    "w:headerReference",
    "w:footerReference",
    "w:footnotePr",
    "w:endnotePr",
    "w:type",
    "w:pgSz",
    "w:pgMar",
    "w:paperSrc",
    "w:pgBorders",
    "w:lnNumType",
    "w:pgNumType",
    "w:cols",
    "w:formProt",
    "w:vAlign",
    "w:noEndnote",
    "w:titlePg",
    "w:textDirection",
    "w:bidi",
    "w:rtlGutter",
    "w:docGrid",
    "w:printerSettings",
    "w:sectPrChange",
];

/// CT_TblPr: table properties.
const TBL_PR: &[&str] = &[
    "w:tblStyle",
    "w:tblpPr",
    "w:tblOverlap",
    "w:bidiVisual",
    "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize",
    "w:tblW",
    "w:jc",
    "w:tblCellSpacing",
    "w:tblInd",
    "w:tblBorders",
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
];

/// CT_TrPr: table row properties.
const TR_PR: &[&str] = &[
    "w:cnfStyle",
    "w:divId",
    "w:gridBefore",
    "w:gridAfter",
    "w:wBefore",
    "w:wAfter",
    "w:trHeight",
    "w:hidden",
    "w:cantSplit",
    "w:tblHeader",
    "w:tblCellSpacing",
    "w:jc",
    "w:ins",
    "w:del",
    "w:trPrChange",
];

/// CT_TcPr: table cell properties.
const TC_PR: &[&str] = &[
    "w:cnfStyle",
    "w:tcW",
    "w:gridSpan",
    "w:hMerge",
    "w:vMerge",
    "w:tcBorders",
    "w:shd",
    "w:noWrap",
    "w:tcMar",
    "w:textDirection",
    "w:tcFitText",
    "w:vAlign",
    "w:hideMark",
    "w:cellIns",
    "w:cellDel",
    "w:cellMerge",
    "w:tcPrChange",
];

/// CT_Style: one style of styles.xml.
const STYLE: &[&str] = &[
    "w:name",
    "w:aliases",
    "w:basedOn",
    "w:next",
    "w:link",
    "w:autoRedefine",
    "w:hidden",
    "w:uiPriority",
    "w:semiHidden",
    "w:unhideWhenUsed",
    "w:qFormat",
    "w:locked",
    "w:personal",
    "w:personalCompose",
    "w:personalReply",
    "w:rsid",
    "w:pPr",
    "w:rPr",
    "w:tblPr",
    "w:trPr",
    "w:tcPr",
    "w:tblStylePr",
];

/// CT_Lvl: one level of a numbering definition.
const LVL: &[&str] = &[
    "w:start",
    "w:numFmt",
    "w:lvlRestart",
    "w:pStyle",
    "w:isLgl",
    "w:suff",
    "w:lvlText",
    "w:lvlPicBulletId",
    "w:legacy",
    "w:lvlJc",
    "w:pPr",
    "w:rPr",
];

/// CT_Settings, the part of it a producer writes.
const SETTINGS: &[&str] = &[
    "w:writeProtection",
    "w:view",
    "w:zoom",
    "w:removePersonalInformation",
    "w:removeDateAndTime",
    "w:doNotDisplayPageBoundaries",
    "w:displayBackgroundShape",
    "w:printPostScriptOverText",
    "w:printFractionalCharacterWidth",
    "w:printFormsData",
    "w:embedTrueTypeFonts",
    "w:embedSystemFonts",
    "w:saveSubsetFonts",
    "w:saveFormsData",
    "w:mirrorMargins",
    "w:alignBordersAndEdges",
    "w:bordersDoNotSurroundHeader",
    "w:bordersDoNotSurroundFooter",
    "w:gutterAtTop",
    "w:hideSpellingErrors",
    "w:hideGrammaticalErrors",
    "w:activeWritingStyle",
    "w:proofState",
    "w:formsDesign",
    "w:attachedTemplate",
    "w:linkStyles",
    "w:stylePaneFormatFilter",
    "w:stylePaneSortMethod",
    "w:documentType",
    "w:mailMerge",
    "w:revisionView",
    "w:trackRevisions",
    "w:doNotTrackMoves",
    "w:doNotTrackFormatting",
    "w:documentProtection",
    "w:autoFormatOverride",
    "w:styleLockTheme",
    "w:styleLockQFSet",
    "w:defaultTabStop",
    "w:autoHyphenation",
    "w:consecutiveHyphenLimit",
    "w:hyphenationZone",
    "w:doNotHyphenateCaps",
    "w:showEnvelope",
    "w:summaryLength",
    "w:clickAndTypeStyle",
    "w:defaultTableStyle",
    "w:evenAndOddHeaders",
    "w:bookFoldRevPrinting",
    "w:bookFoldPrinting",
    "w:bookFoldPrintingSheets",
    "w:drawingGridHorizontalSpacing",
    "w:drawingGridVerticalSpacing",
    "w:displayHorizontalDrawingGridEvery",
    "w:displayVerticalDrawingGridEvery",
    "w:doNotUseMarginsForDrawingGridOrigin",
    "w:drawingGridHorizontalOrigin",
    "w:drawingGridVerticalOrigin",
    "w:doNotShadeFormData",
    "w:noPunctuationKerning",
    "w:characterSpacingControl",
    "w:printTwoOnOne",
    "w:strictFirstAndLastChars",
    "w:noLineBreaksAfter",
    "w:noLineBreaksBefore",
    "w:savePreviewPicture",
    "w:doNotValidateAgainstSchema",
    "w:saveInvalidXml",
    "w:ignoreMixedContent",
    "w:alwaysShowPlaceholderText",
    "w:doNotDemarcateInvalidXml",
    "w:saveXmlDataOnly",
    "w:useXSLTWhenSaving",
    "w:saveThroughXslt",
    "w:showXMLTags",
    "w:alwaysMergeEmptyNamespace",
    "w:updateFields",
    "w:hdrShapeDefaults",
    "w:footnotePr",
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:attachedSchema",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures",
    "w:forceUpgrade",
    "w:captions",
    "w:readModeInkLockDown",
    "sl:schemaLibrary",
    "w:shapeDefaults",
    "w:decimalSymbol",
    "w:listSeparator",
    "w14:docId",
    "w14:discardImageEditingData",
    "w14:defaultImageDpi",
    "w14:conflictMode",
    "w15:chartTrackingRefBased",
    "w15:docId",
];

/// The schema order of the children of `name`, when it is an element
/// whose children this pass sorts.
fn order_of(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "w:pPr" => PPR,
        "w:rPr" => RPR,
        "w:sectPr" => SECT_PR,
        "w:tblPr" => TBL_PR,
        "w:trPr" => TR_PR,
        "w:tcPr" => TC_PR,
        "w:style" => STYLE,
        "w:lvl" => LVL,
        "w:settings" => SETTINGS,
        _ => return None,
    })
}

/// Parents whose `pPr` is CT_PPrBase/CT_PPrGeneral: no `rPr` inside.
fn ppr_without_rpr(parent: &str) -> bool {
    matches!(parent, "w:style" | "w:pPrDefault" | "w:lvl")
}

/// An element read whole (a property element and what it holds).
enum Node {
    Element {
        start: BytesStart<'static>,
        children: Vec<Node>,
        /// Written as `<x/>` (it was read so, or has no children).
        empty: bool,
    },
    /// Text, comments and the like inside a property element.
    Other(Event<'static>),
}

impl Node {
    fn name(&self) -> Option<&str> {
        match self {
            Node::Element { start, .. } => Some(start.name().0),
            Node::Other(_) => None,
        }
    }
}

/// A part that could not be read as XML.
#[derive(Debug)]
pub struct Malformed(pub String);

fn malformed(e: impl std::fmt::Display) -> Malformed {
    Malformed(e.to_string())
}

/// Rewrites one WordprocessingML part (document, styles, settings,
/// numbering, header or footer) into schema order. Parts that need no
/// change come back equal in content (not necessarily byte for byte).
pub fn conform(xml: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut reader = Reader::from_reader(xml);
    let mut writer = Writer::new(Vec::with_capacity(xml.len() + xml.len() / 8));
    // The names of the elements open around the reader, for context.
    let mut open: Vec<String> = Vec::new();
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(malformed)?;
        match event {
            Event::Eof => break,
            Event::Start(start) if order_of(start.name().0).is_some() => {
                let start = start.into_owned();
                let node = read_element(&mut reader, start, false)?;
                let parent = open.last().map_or("", String::as_str);
                if let Some(node) = arrange(node, parent) {
                    write_node(&mut writer, node)?;
                }
            }
            Event::Empty(start) if start.name().0 == "w:gridCol" => {
                writer
                    .write_event(Event::Empty(without_type(&start)?))
                    .map_err(malformed)?;
            }
            Event::Start(start) => {
                open.push(start.name().0.to_owned());
                writer.write_event(Event::Start(start)).map_err(malformed)?;
            }
            Event::End(end) => {
                open.pop();
                writer.write_event(Event::End(end)).map_err(malformed)?;
            }
            other => writer.write_event(other).map_err(malformed)?,
        }
        buf.clear();
    }
    Ok(writer.into_inner())
}

/// `gridCol` without the `w:type` attribute the schema does not declare.
fn without_type(start: &BytesStart<'_>) -> Result<BytesStart<'static>, Malformed> {
    let mut out = BytesStart::new(start.name().0.to_owned());
    for a in start.attributes() {
        let a = a.map_err(malformed)?;
        if a.key.0 != "w:type" {
            out.push_attribute((a.key.0, a.value.as_ref()));
        }
    }
    Ok(out)
}

/// Reads the rest of an element whose start tag was just read.
fn read_element(
    reader: &mut Reader<&[u8]>,
    start: BytesStart<'static>,
    empty: bool,
) -> Result<Node, Malformed> {
    let mut children = Vec::new();
    if !empty {
        let mut buf = Vec::new();
        loop {
            let event = reader.read_event_into(&mut buf).map_err(malformed)?;
            match event {
                Event::End(_) => break,
                Event::Eof => return Err(Malformed("unexpected end of part".to_owned())),
                Event::Start(s) => {
                    let s = s.into_owned();
                    children.push(read_element(reader, s, false)?);
                }
                Event::Empty(s) => {
                    let s = s.into_owned();
                    children.push(read_element(reader, s, true)?);
                }
                other => children.push(Node::Other(other.into_owned())),
            }
            buf.clear();
        }
    }
    Ok(Node::Element {
        start,
        children,
        empty,
    })
}

/// Sorts the children of `node` (and of the property elements inside it)
/// into schema order; `None` when the element must go altogether.
fn arrange(node: Node, parent: &str) -> Option<Node> {
    let Node::Element {
        start,
        children,
        empty,
    } = node
    else {
        return Some(node);
    };
    let name = start.name().0.to_owned();
    let mut kept: Vec<Node> = Vec::with_capacity(children.len());
    for child in children {
        if name == "w:pPr"
            && ppr_without_rpr(parent)
            && child.name() == Some("w:rPr")
            && matches!(&child, Node::Element { children, .. } if children.is_empty())
        {
            continue;
        }
        if let Some(child) = arrange(child, &name) {
            kept.push(child);
        }
    }
    if let Some(order) = order_of(&name) {
        let rank = |n: &Node| {
            n.name()
                .and_then(|c| order.iter().position(|o| *o == c))
                .unwrap_or(order.len())
        };
        // Text and comments travel with the element before them.
        let mut ranked: Vec<(usize, Node)> = Vec::with_capacity(kept.len());
        let mut last = 0;
        for child in kept {
            if child.name().is_some() {
                last = rank(&child);
            }
            ranked.push((last, child));
        }
        ranked.sort_by_key(|(r, _)| *r);
        kept = ranked.into_iter().map(|(_, n)| n).collect();
    }
    let empty = empty && kept.is_empty();
    Some(Node::Element {
        start,
        children: kept,
        empty,
    })
}

fn write_node(writer: &mut Writer<Vec<u8>>, node: Node) -> Result<(), Malformed> {
    match node {
        Node::Other(e) => writer.write_event(e).map_err(malformed),
        Node::Element {
            start,
            children,
            empty,
        } => {
            if empty || children.is_empty() {
                let start = if start.name().0 == "w:gridCol" {
                    without_type(&start)?
                } else {
                    start
                };
                return writer.write_event(Event::Empty(start)).map_err(malformed);
            }
            let end = start.to_end().into_owned();
            writer.write_event(Event::Start(start)).map_err(malformed)?;
            for child in children {
                write_node(writer, child)?;
            }
            writer.write_event(Event::End(end)).map_err(malformed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conformed part, with `<x />` written `<x/>` for comparison.
    fn s(xml: &str) -> String {
        String::from_utf8(conform(xml.as_bytes()).unwrap())
            .unwrap()
            .replace(" />", "/>")
    }

    #[test]
    fn paragraph_properties_come_in_schema_order() {
        let out = s(
            r#"<w:p><w:pPr><w:rPr /><w:jc w:val="center" /><w:spacing w:line="560" /></w:pPr><w:r><w:rPr><w:sz w:val="32" /><w:color w:val="FF0000" /><w:rFonts w:ascii="黑体" /></w:rPr><w:t>标题</w:t></w:r></w:p>"#,
        );
        assert_eq!(
            out,
            r#"<w:p><w:pPr><w:spacing w:line="560"/><w:jc w:val="center"/><w:rPr/></w:pPr><w:r><w:rPr><w:rFonts w:ascii="黑体"/><w:color w:val="FF0000"/><w:sz w:val="32"/></w:rPr><w:t>标题</w:t></w:r></w:p>"#
        );
    }

    #[test]
    fn a_style_paragraph_loses_its_empty_run_properties() {
        let out = s(
            r#"<w:styles><w:style w:type="paragraph"><w:name w:val="Normal" /><w:rPr /><w:pPr><w:rPr /></w:pPr><w:qFormat /></w:style></w:styles>"#,
        );
        assert_eq!(
            out,
            r#"<w:styles><w:style w:type="paragraph"><w:name w:val="Normal"/><w:qFormat/><w:pPr/><w:rPr/></w:style></w:styles>"#
        );
    }

    #[test]
    fn grid_columns_lose_the_undeclared_type() {
        let out = s(r#"<w:tblGrid><w:gridCol w:w="8844" w:type="dxa" /></w:tblGrid>"#);
        assert_eq!(out, r#"<w:tblGrid><w:gridCol w:w="8844"/></w:tblGrid>"#);
    }

    #[test]
    fn text_and_unknown_children_keep_their_content() {
        let out = s(
            r#"<?xml version="1.0"?><w:sectPr><w:pgMar w:top="1"/><w:x/><w:footerReference r:id="a"/></w:sectPr>"#,
        );
        assert_eq!(
            out,
            r#"<?xml version="1.0"?><w:sectPr><w:footerReference r:id="a"/><w:pgMar w:top="1"/><w:x/></w:sectPr>"#
        );
    }

    #[test]
    fn malformed_xml_is_an_error_not_a_panic() {
        assert!(conform(b"<w:pPr><w:jc>").is_err());
    }
}
