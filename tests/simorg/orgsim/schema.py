"""The Metadata API v66 schema subset (src/model/metadata-v66.xsd in the repo).

Loaded once, at run time, from the product's XSD (a verbatim slice of
forcedotcom/wsdl metadata.wsdl).  Gives, per complex type, the element
sequence (order, type, cardinality, inherited fullName first) and, per simple
type, its enumeration.  Used to order the fields of stored records and
readMetadata answers, and to validate enumeration, boolean and int values of
what clients create or update.
"""

import os
import xml.etree.ElementTree as ET

XSD_NS = "http://www.w3.org/2001/XMLSchema"
_Q = "{%s}" % XSD_NS


def default_xsd_path():
    env = os.environ.get("SIMORG_XSD")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "..", "src", "model", "metadata-v66.xsd"))


class Element:
    __slots__ = ("name", "type", "xsd_builtin", "min", "max")

    def __init__(self, name, type_, builtin, min_, max_):
        self.name = name
        self.type = type_          # local type name
        self.xsd_builtin = builtin  # True for xsd:string, xsd:boolean, ...
        self.min = min_
        self.max = max_            # None = unbounded

    @property
    def repeated(self):
        return self.max is None or self.max > 1


class ComplexType:
    def __init__(self, name):
        self.name = name
        self.base = None
        self.own = []
        self.elements = []  # resolved, inherited first
        self.by_name = {}
        self.order = {}


class Schema:
    def __init__(self, path=None):
        self.path = path or default_xsd_path()
        self.complex = {}
        self.simple = {}
        self._load()

    def _load(self):
        root = ET.parse(self.path).getroot()
        for ct in root.iter(_Q + "complexType"):
            name = ct.get("name")
            if not name:
                continue
            t = ComplexType(name)
            ext = ct.find("%scomplexContent/%sextension" % (_Q, _Q))
            seq_parent = ct
            if ext is not None:
                t.base = _local(ext.get("base"))
                seq_parent = ext
            seq = seq_parent.find(_Q + "sequence")
            if seq is not None:
                for el in seq.findall(_Q + "element"):
                    typ = el.get("type") or "xsd:string"
                    builtin = typ.startswith("xsd:")
                    mx = el.get("maxOccurs", "1")
                    t.own.append(Element(el.get("name"), _local(typ), builtin,
                                         int(el.get("minOccurs", "1")),
                                         None if mx == "unbounded" else int(mx)))
            self.complex[name] = t
        for st in root.iter(_Q + "simpleType"):
            name = st.get("name")
            vals = [e.get("value") for e in st.iter(_Q + "enumeration")]
            self.simple[name] = vals
        for t in self.complex.values():
            chain = []
            cur = t
            while cur is not None:
                chain.append(cur)
                cur = self.complex.get(cur.base) if cur.base else None
            for c in reversed(chain):
                t.elements.extend(c.own)
            t.by_name = {e.name: e for e in t.elements}
            t.order = {e.name: i for i, e in enumerate(t.elements)}

    def is_metadata_type(self, name):
        t = self.complex.get(name)
        while t is not None:
            if t.base == "Metadata":
                return True
            t = self.complex.get(t.base) if t.base else None
        return False

    def element(self, type_name, field):
        t = self.complex.get(type_name)
        return t.by_name.get(field) if t else None

    def order_key(self, type_name):
        t = self.complex.get(type_name)
        order = t.order if t else {}
        big = len(order) + 1
        return lambda name: (order.get(name, big), name)


def _local(qname):
    return qname.split(":", 1)[1] if qname and ":" in qname else qname


_SCHEMA = None


def get_schema():
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = Schema()
    return _SCHEMA
