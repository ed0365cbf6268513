/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const org = $root.org = (() => {

    /**
     * Namespace org.
     * @exports org
     * @namespace
     */
    const org = {};

    org.eclipse = (function() {

        /**
         * Namespace eclipse.
         * @memberof org
         * @namespace
         */
        const eclipse = {};

        eclipse.tahu = (function() {

            /**
             * Namespace tahu.
             * @memberof org.eclipse
             * @namespace
             */
            const tahu = {};

            tahu.protobuf = (function() {

                /**
                 * Namespace protobuf.
                 * @memberof org.eclipse.tahu
                 * @namespace
                 */
                const protobuf = {};

                protobuf.Payload = (function() {

                    /**
                     * Properties of a Payload.
                     * @typedef {Object} org.eclipse.tahu.protobuf.Payload.$Properties
                     * @property {number|Long|null} [timestamp] Payload timestamp
                     * @property {Array.<org.eclipse.tahu.protobuf.Payload.Metric.$Properties>|null} [metrics] Payload metrics
                     * @property {number|Long|null} [seq] Payload seq
                     * @property {string|null} [uuid] Payload uuid
                     * @property {Uint8Array|null} [body] Payload body
                     * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                     */

                    /**
                     * Properties of a Payload.
                     * @memberof org.eclipse.tahu.protobuf
                     * @interface IPayload
                     * @augments org.eclipse.tahu.protobuf.Payload.$Properties
                     * @deprecated Use org.eclipse.tahu.protobuf.Payload.$Properties instead.
                     */

                    /**
                     * Shape of a Payload.
                     * @typedef {{
                     *   timestamp?: number|Long|null;
                     *   metrics?: Array.<org.eclipse.tahu.protobuf.Payload.Metric.$Shape>|null;
                     *   seq?: number|Long|null;
                     *   uuid?: string|null;
                     *   body?: Uint8Array|null;
                     *   $unknowns?: Array.<Uint8Array>;
                     * }} org.eclipse.tahu.protobuf.Payload.$Shape
                     */

                    /**
                     * Constructs a new Payload.
                     * @memberof org.eclipse.tahu.protobuf
                     * @classdesc Represents a Payload.
                     * @constructor
                     * @param {org.eclipse.tahu.protobuf.Payload.$Properties=} [properties] Properties to set
                     * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                     */
                    const Payload = function (properties) {
                        this.metrics = [];
                        if (properties)
                            for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                    this[keys[i]] = properties[keys[i]];
                    };

                    /**
                     * Payload timestamp.
                     * @member {number|Long} timestamp
                     * @memberof org.eclipse.tahu.protobuf.Payload
                     * @instance
                     */
                    Payload.prototype.timestamp = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                    /**
                     * Payload metrics.
                     * @member {Array.<org.eclipse.tahu.protobuf.Payload.Metric.$Properties>} metrics
                     * @memberof org.eclipse.tahu.protobuf.Payload
                     * @instance
                     */
                    Payload.prototype.metrics = $util.emptyArray;

                    /**
                     * Payload seq.
                     * @member {number|Long} seq
                     * @memberof org.eclipse.tahu.protobuf.Payload
                     * @instance
                     */
                    Payload.prototype.seq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                    /**
                     * Payload uuid.
                     * @member {string} uuid
                     * @memberof org.eclipse.tahu.protobuf.Payload
                     * @instance
                     */
                    Payload.prototype.uuid = "";

                    /**
                     * Payload body.
                     * @member {Uint8Array} body
                     * @memberof org.eclipse.tahu.protobuf.Payload
                     * @instance
                     */
                    Payload.prototype.body = $util.newBuffer([]);

                    /**
                     * Creates a new Payload instance using the specified properties.
                     * @function create
                     * @memberof org.eclipse.tahu.protobuf.Payload
                     * @static
                     * @param {org.eclipse.tahu.protobuf.Payload.$Properties=} [properties] Properties to set
                     * @returns {org.eclipse.tahu.protobuf.Payload} Payload instance
                     * @type {{
                     *   (properties: org.eclipse.tahu.protobuf.Payload.$Shape): org.eclipse.tahu.protobuf.Payload & org.eclipse.tahu.protobuf.Payload.$Shape;
                     *   (properties?: org.eclipse.tahu.protobuf.Payload.$Properties): org.eclipse.tahu.protobuf.Payload;
                     * }}
                     */
                    Payload.create = function(properties) {
                        return new Payload(properties);
                    };

                    /**
                     * Encodes the specified Payload message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.verify|verify} messages.
                     * @function encode
                     * @memberof org.eclipse.tahu.protobuf.Payload
                     * @static
                     * @param {org.eclipse.tahu.protobuf.Payload.$Properties} message Payload message or plain object to encode
                     * @param {$protobuf.Writer} [writer] Writer to encode to
                     * @returns {$protobuf.Writer} Writer
                     */
                    Payload.encode = function (message, writer, _depth) {
                        if (!writer)
                            writer = $Writer.create();
                        if (_depth === $undefined)
                            _depth = 0;
                        if (_depth > $util.recursionLimit)
                            throw $Error("max depth exceeded");
                        if (message.timestamp != null && $Object.hasOwnProperty.call(message, "timestamp"))
                            writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.timestamp);
                        if (message.metrics != null && message.metrics.length)
                            for (let i = 0; i < message.metrics.length; ++i)
                                $root.org.eclipse.tahu.protobuf.Payload.Metric.encode(message.metrics[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                        if (message.seq != null && $Object.hasOwnProperty.call(message, "seq"))
                            writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.seq);
                        if (message.uuid != null && $Object.hasOwnProperty.call(message, "uuid"))
                            writer.uint32(/* id 4, wireType 2 =*/34).string(message.uuid);
                        if (message.body != null && $Object.hasOwnProperty.call(message, "body"))
                            writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.body);
                        if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                            for (let i = 0; i < message.$unknowns.length; ++i)
                                writer.raw(message.$unknowns[i]);
                        return writer;
                    };

                    /**
                     * Decodes a Payload message from the specified reader or buffer.
                     * @function decode
                     * @memberof org.eclipse.tahu.protobuf.Payload
                     * @static
                     * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                     * @param {number} [length] Message length if known beforehand
                     * @returns {org.eclipse.tahu.protobuf.Payload & org.eclipse.tahu.protobuf.Payload.$Shape} Payload
                     * @throws {Error} If the payload is not a reader or valid buffer
                     * @throws {$protobuf.util.ProtocolError} If required fields are missing
                     */
                    Payload.decode = function (reader, length, _end, _depth, _target) {
                        if (!(reader instanceof $Reader))
                            reader = $Reader.create(reader);
                        if (_depth === $undefined)
                            _depth = 0;
                        if (_depth > $Reader.recursionLimit)
                            throw $Error("max depth exceeded");
                        let end, message;
                        if (length === $undefined)
                            end = reader.len;
                        else {
                            end = reader.pos + length;
                            if (end > reader.len)
                                throw $RangeError("index out of range");
                            length = reader.len;
                            reader.len = end;
                        }
                        message = _target || new $root.org.eclipse.tahu.protobuf.Payload();
                        while (reader.pos < end) {
                            let start = reader.pos;
                            let tag = reader.tag();
                            if (tag === _end) {
                                _end = $undefined;
                                break;
                            }
                            let wireType = tag & 7;
                            switch (tag >>>= 3) {
                            case 1: {
                                    if (wireType !== 0)
                                        break;
                                    message.timestamp = reader.uint64();
                                    continue;
                                }
                            case 2: {
                                    if (wireType !== 2)
                                        break;
                                    if (!(message.metrics && message.metrics.length))
                                        message.metrics = [];
                                    message.metrics.push($root.org.eclipse.tahu.protobuf.Payload.Metric.decode(reader, reader.size(), $undefined, _depth + 1));
                                    continue;
                                }
                            case 3: {
                                    if (wireType !== 0)
                                        break;
                                    message.seq = reader.uint64();
                                    continue;
                                }
                            case 4: {
                                    if (wireType !== 2)
                                        break;
                                    message.uuid = reader.string();
                                    continue;
                                }
                            case 5: {
                                    if (wireType !== 2)
                                        break;
                                    message.body = reader.bytes();
                                    continue;
                                }
                            }
                            reader.skipType(wireType, _depth, tag);
                            if (!reader.discardUnknown) {
                                $util.makeProp(message, "$unknowns", false);
                                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                            }
                        }
                        if (length !== $undefined) {
                            if (reader.pos !== end)
                                throw $RangeError("index out of range");
                            reader.len = length;
                        }
                        if (_end !== $undefined)
                            throw $Error("missing end group");
                        return message;
                    };

                    Payload.Template = (function() {

                        /**
                         * Properties of a Template.
                         * @typedef {Object} org.eclipse.tahu.protobuf.Payload.Template.$Properties
                         * @property {string|null} [version] Template version
                         * @property {Array.<org.eclipse.tahu.protobuf.Payload.Metric.$Properties>|null} [metrics] Template metrics
                         * @property {Array.<org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Properties>|null} [parameters] Template parameters
                         * @property {string|null} [templateRef] Template templateRef
                         * @property {boolean|null} [isDefinition] Template isDefinition
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */

                        /**
                         * Properties of a Template.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @interface ITemplate
                         * @augments org.eclipse.tahu.protobuf.Payload.Template.$Properties
                         * @deprecated Use org.eclipse.tahu.protobuf.Payload.Template.$Properties instead.
                         */

                        /**
                         * Shape of a Template.
                         * @typedef {{
                         *   version?: string|null;
                         *   metrics?: Array.<org.eclipse.tahu.protobuf.Payload.Metric.$Shape>|null;
                         *   parameters?: Array.<org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Shape>|null;
                         *   templateRef?: string|null;
                         *   isDefinition?: boolean|null;
                         *   $unknowns?: Array.<Uint8Array>;
                         * }} org.eclipse.tahu.protobuf.Payload.Template.$Shape
                         */

                        /**
                         * Constructs a new Template.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @classdesc Represents a Template.
                         * @constructor
                         * @param {org.eclipse.tahu.protobuf.Payload.Template.$Properties=} [properties] Properties to set
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */
                        const Template = function (properties) {
                            this.metrics = [];
                            this.parameters = [];
                            if (properties)
                                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                        this[keys[i]] = properties[keys[i]];
                        };

                        /**
                         * Template version.
                         * @member {string} version
                         * @memberof org.eclipse.tahu.protobuf.Payload.Template
                         * @instance
                         */
                        Template.prototype.version = "";

                        /**
                         * Template metrics.
                         * @member {Array.<org.eclipse.tahu.protobuf.Payload.Metric.$Properties>} metrics
                         * @memberof org.eclipse.tahu.protobuf.Payload.Template
                         * @instance
                         */
                        Template.prototype.metrics = $util.emptyArray;

                        /**
                         * Template parameters.
                         * @member {Array.<org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Properties>} parameters
                         * @memberof org.eclipse.tahu.protobuf.Payload.Template
                         * @instance
                         */
                        Template.prototype.parameters = $util.emptyArray;

                        /**
                         * Template templateRef.
                         * @member {string} templateRef
                         * @memberof org.eclipse.tahu.protobuf.Payload.Template
                         * @instance
                         */
                        Template.prototype.templateRef = "";

                        /**
                         * Template isDefinition.
                         * @member {boolean} isDefinition
                         * @memberof org.eclipse.tahu.protobuf.Payload.Template
                         * @instance
                         */
                        Template.prototype.isDefinition = false;

                        /**
                         * Creates a new Template instance using the specified properties.
                         * @function create
                         * @memberof org.eclipse.tahu.protobuf.Payload.Template
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.Template.$Properties=} [properties] Properties to set
                         * @returns {org.eclipse.tahu.protobuf.Payload.Template} Template instance
                         * @type {{
                         *   (properties: org.eclipse.tahu.protobuf.Payload.Template.$Shape): org.eclipse.tahu.protobuf.Payload.Template & org.eclipse.tahu.protobuf.Payload.Template.$Shape;
                         *   (properties?: org.eclipse.tahu.protobuf.Payload.Template.$Properties): org.eclipse.tahu.protobuf.Payload.Template;
                         * }}
                         */
                        Template.create = function(properties) {
                            return new Template(properties);
                        };

                        /**
                         * Encodes the specified Template message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.Template.verify|verify} messages.
                         * @function encode
                         * @memberof org.eclipse.tahu.protobuf.Payload.Template
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.Template.$Properties} message Template message or plain object to encode
                         * @param {$protobuf.Writer} [writer] Writer to encode to
                         * @returns {$protobuf.Writer} Writer
                         */
                        Template.encode = function (message, writer, _depth) {
                            if (!writer)
                                writer = $Writer.create();
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $util.recursionLimit)
                                throw $Error("max depth exceeded");
                            if (message.version != null && $Object.hasOwnProperty.call(message, "version"))
                                writer.uint32(/* id 1, wireType 2 =*/10).string(message.version);
                            if (message.metrics != null && message.metrics.length)
                                for (let i = 0; i < message.metrics.length; ++i)
                                    $root.org.eclipse.tahu.protobuf.Payload.Metric.encode(message.metrics[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                            if (message.parameters != null && message.parameters.length)
                                for (let i = 0; i < message.parameters.length; ++i)
                                    $root.org.eclipse.tahu.protobuf.Payload.Template.Parameter.encode(message.parameters[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                            if (message.templateRef != null && $Object.hasOwnProperty.call(message, "templateRef"))
                                writer.uint32(/* id 4, wireType 2 =*/34).string(message.templateRef);
                            if (message.isDefinition != null && $Object.hasOwnProperty.call(message, "isDefinition"))
                                writer.uint32(/* id 5, wireType 0 =*/40).bool(message.isDefinition);
                            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                for (let i = 0; i < message.$unknowns.length; ++i)
                                    writer.raw(message.$unknowns[i]);
                            return writer;
                        };

                        /**
                         * Decodes a Template message from the specified reader or buffer.
                         * @function decode
                         * @memberof org.eclipse.tahu.protobuf.Payload.Template
                         * @static
                         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                         * @param {number} [length] Message length if known beforehand
                         * @returns {org.eclipse.tahu.protobuf.Payload.Template & org.eclipse.tahu.protobuf.Payload.Template.$Shape} Template
                         * @throws {Error} If the payload is not a reader or valid buffer
                         * @throws {$protobuf.util.ProtocolError} If required fields are missing
                         */
                        Template.decode = function (reader, length, _end, _depth, _target) {
                            if (!(reader instanceof $Reader))
                                reader = $Reader.create(reader);
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $Reader.recursionLimit)
                                throw $Error("max depth exceeded");
                            let end, message;
                            if (length === $undefined)
                                end = reader.len;
                            else {
                                end = reader.pos + length;
                                if (end > reader.len)
                                    throw $RangeError("index out of range");
                                length = reader.len;
                                reader.len = end;
                            }
                            message = _target || new $root.org.eclipse.tahu.protobuf.Payload.Template();
                            while (reader.pos < end) {
                                let start = reader.pos;
                                let tag = reader.tag();
                                if (tag === _end) {
                                    _end = $undefined;
                                    break;
                                }
                                let wireType = tag & 7;
                                switch (tag >>>= 3) {
                                case 1: {
                                        if (wireType !== 2)
                                            break;
                                        message.version = reader.string();
                                        continue;
                                    }
                                case 2: {
                                        if (wireType !== 2)
                                            break;
                                        if (!(message.metrics && message.metrics.length))
                                            message.metrics = [];
                                        message.metrics.push($root.org.eclipse.tahu.protobuf.Payload.Metric.decode(reader, reader.size(), $undefined, _depth + 1));
                                        continue;
                                    }
                                case 3: {
                                        if (wireType !== 2)
                                            break;
                                        if (!(message.parameters && message.parameters.length))
                                            message.parameters = [];
                                        message.parameters.push($root.org.eclipse.tahu.protobuf.Payload.Template.Parameter.decode(reader, reader.size(), $undefined, _depth + 1));
                                        continue;
                                    }
                                case 4: {
                                        if (wireType !== 2)
                                            break;
                                        message.templateRef = reader.string();
                                        continue;
                                    }
                                case 5: {
                                        if (wireType !== 0)
                                            break;
                                        message.isDefinition = reader.bool();
                                        continue;
                                    }
                                }
                                reader.skipType(wireType, _depth, tag);
                                if (!reader.discardUnknown) {
                                    $util.makeProp(message, "$unknowns", false);
                                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                }
                            }
                            if (length !== $undefined) {
                                if (reader.pos !== end)
                                    throw $RangeError("index out of range");
                                reader.len = length;
                            }
                            if (_end !== $undefined)
                                throw $Error("missing end group");
                            return message;
                        };

                        Template.Parameter = (function() {

                            /**
                             * Properties of a Parameter.
                             * @typedef {Object} org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Properties
                             * @property {string|null} [name] Parameter name
                             * @property {number|null} [type] Parameter type
                             * @property {number|null} [intValue] Parameter intValue
                             * @property {number|Long|null} [longValue] Parameter longValue
                             * @property {number|null} [floatValue] Parameter floatValue
                             * @property {number|null} [doubleValue] Parameter doubleValue
                             * @property {boolean|null} [booleanValue] Parameter booleanValue
                             * @property {string|null} [stringValue] Parameter stringValue
                             * @property {org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties|null} [extensionValue] Parameter extensionValue
                             * @property {"intValue"|"longValue"|"floatValue"|"doubleValue"|"booleanValue"|"stringValue"|"extensionValue"} [value] Parameter value
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */

                            /**
                             * Properties of a Parameter.
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template
                             * @interface IParameter
                             * @augments org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Properties
                             * @deprecated Use org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Properties instead.
                             */

                            /**
                             * Narrowed shape of a Parameter.
                             * @typedef {{
                             *   name?: string|null;
                             *   type?: number|null;
                             *   intValue?: number|null;
                             *   longValue?: number|Long|null;
                             *   floatValue?: number|null;
                             *   doubleValue?: number|null;
                             *   booleanValue?: boolean|null;
                             *   stringValue?: string|null;
                             *   extensionValue?: org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Shape|null;
                             *   $unknowns?: Array.<Uint8Array>;
                             * } & (
                             *   ({ value?: undefined; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "intValue"; intValue: number; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "longValue"; intValue?: null; longValue: number|Long; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "floatValue"; intValue?: null; longValue?: null; floatValue: number; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "doubleValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue: number; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "booleanValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue: boolean; stringValue?: null; extensionValue?: null }|{ value?: "stringValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue: string; extensionValue?: null }|{ value?: "extensionValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue: org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Shape })
                             * )} org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Shape
                             */

                            /**
                             * Constructs a new Parameter.
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template
                             * @classdesc Represents a Parameter.
                             * @constructor
                             * @param {org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Properties=} [properties] Properties to set
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */
                            const Parameter = function (properties) {
                                if (properties)
                                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                            this[keys[i]] = properties[keys[i]];
                            };

                            /**
                             * Parameter name.
                             * @member {string} name
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            Parameter.prototype.name = "";

                            /**
                             * Parameter type.
                             * @member {number} type
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            Parameter.prototype.type = 0;

                            /**
                             * Parameter intValue.
                             * @member {number|null|undefined} intValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            Parameter.prototype.intValue = null;

                            /**
                             * Parameter longValue.
                             * @member {number|Long|null|undefined} longValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            Parameter.prototype.longValue = null;

                            /**
                             * Parameter floatValue.
                             * @member {number|null|undefined} floatValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            Parameter.prototype.floatValue = null;

                            /**
                             * Parameter doubleValue.
                             * @member {number|null|undefined} doubleValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            Parameter.prototype.doubleValue = null;

                            /**
                             * Parameter booleanValue.
                             * @member {boolean|null|undefined} booleanValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            Parameter.prototype.booleanValue = null;

                            /**
                             * Parameter stringValue.
                             * @member {string|null|undefined} stringValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            Parameter.prototype.stringValue = null;

                            /**
                             * Parameter extensionValue.
                             * @member {org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties|null|undefined} extensionValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            Parameter.prototype.extensionValue = null;

                            // OneOf field names bound to virtual getters and setters
                            let $oneOfFields;

                            /**
                             * Parameter value.
                             * @member {"intValue"|"longValue"|"floatValue"|"doubleValue"|"booleanValue"|"stringValue"|"extensionValue"|undefined} value
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @instance
                             */
                            $Object.defineProperty(Parameter.prototype, "value", {
                                get: $util.oneOfGetter($oneOfFields = ["intValue", "longValue", "floatValue", "doubleValue", "booleanValue", "stringValue", "extensionValue"]),
                                set: $util.oneOfSetter($oneOfFields)
                            });

                            /**
                             * Creates a new Parameter instance using the specified properties.
                             * @function create
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Properties=} [properties] Properties to set
                             * @returns {org.eclipse.tahu.protobuf.Payload.Template.Parameter} Parameter instance
                             * @type {{
                             *   (properties: org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Shape): org.eclipse.tahu.protobuf.Payload.Template.Parameter & org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Shape;
                             *   (properties?: org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Properties): org.eclipse.tahu.protobuf.Payload.Template.Parameter;
                             * }}
                             */
                            Parameter.create = function(properties) {
                                return new Parameter(properties);
                            };

                            /**
                             * Encodes the specified Parameter message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.Template.Parameter.verify|verify} messages.
                             * @function encode
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Properties} message Parameter message or plain object to encode
                             * @param {$protobuf.Writer} [writer] Writer to encode to
                             * @returns {$protobuf.Writer} Writer
                             */
                            Parameter.encode = function (message, writer, _depth) {
                                if (!writer)
                                    writer = $Writer.create();
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $util.recursionLimit)
                                    throw $Error("max depth exceeded");
                                if (message.name != null && $Object.hasOwnProperty.call(message, "name"))
                                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.name);
                                if (message.type != null && $Object.hasOwnProperty.call(message, "type"))
                                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.type);
                                if (message.intValue != null && $Object.hasOwnProperty.call(message, "intValue"))
                                    writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.intValue);
                                if (message.longValue != null && $Object.hasOwnProperty.call(message, "longValue"))
                                    writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.longValue);
                                if (message.floatValue != null && $Object.hasOwnProperty.call(message, "floatValue"))
                                    writer.uint32(/* id 5, wireType 5 =*/45).float(message.floatValue);
                                if (message.doubleValue != null && $Object.hasOwnProperty.call(message, "doubleValue"))
                                    writer.uint32(/* id 6, wireType 1 =*/49).double(message.doubleValue);
                                if (message.booleanValue != null && $Object.hasOwnProperty.call(message, "booleanValue"))
                                    writer.uint32(/* id 7, wireType 0 =*/56).bool(message.booleanValue);
                                if (message.stringValue != null && $Object.hasOwnProperty.call(message, "stringValue"))
                                    writer.uint32(/* id 8, wireType 2 =*/66).string(message.stringValue);
                                if (message.extensionValue != null && $Object.hasOwnProperty.call(message, "extensionValue"))
                                    $root.org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.encode(message.extensionValue, writer.uint32(/* id 9, wireType 2 =*/74).fork(), _depth + 1).ldelim();
                                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                    for (let i = 0; i < message.$unknowns.length; ++i)
                                        writer.raw(message.$unknowns[i]);
                                return writer;
                            };

                            /**
                             * Decodes a Parameter message from the specified reader or buffer.
                             * @function decode
                             * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                             * @static
                             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                             * @param {number} [length] Message length if known beforehand
                             * @returns {org.eclipse.tahu.protobuf.Payload.Template.Parameter & org.eclipse.tahu.protobuf.Payload.Template.Parameter.$Shape} Parameter
                             * @throws {Error} If the payload is not a reader or valid buffer
                             * @throws {$protobuf.util.ProtocolError} If required fields are missing
                             */
                            Parameter.decode = function (reader, length, _end, _depth, _target) {
                                if (!(reader instanceof $Reader))
                                    reader = $Reader.create(reader);
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $Reader.recursionLimit)
                                    throw $Error("max depth exceeded");
                                let end, message;
                                if (length === $undefined)
                                    end = reader.len;
                                else {
                                    end = reader.pos + length;
                                    if (end > reader.len)
                                        throw $RangeError("index out of range");
                                    length = reader.len;
                                    reader.len = end;
                                }
                                message = _target || new $root.org.eclipse.tahu.protobuf.Payload.Template.Parameter();
                                while (reader.pos < end) {
                                    let start = reader.pos;
                                    let tag = reader.tag();
                                    if (tag === _end) {
                                        _end = $undefined;
                                        break;
                                    }
                                    let wireType = tag & 7;
                                    switch (tag >>>= 3) {
                                    case 1: {
                                            if (wireType !== 2)
                                                break;
                                            message.name = reader.string();
                                            continue;
                                        }
                                    case 2: {
                                            if (wireType !== 0)
                                                break;
                                            message.type = reader.uint32();
                                            continue;
                                        }
                                    case 3: {
                                            if (wireType !== 0)
                                                break;
                                            message.intValue = reader.uint32();
                                            message.value = "intValue";
                                            continue;
                                        }
                                    case 4: {
                                            if (wireType !== 0)
                                                break;
                                            message.longValue = reader.uint64();
                                            message.value = "longValue";
                                            continue;
                                        }
                                    case 5: {
                                            if (wireType !== 5)
                                                break;
                                            message.floatValue = reader.float();
                                            message.value = "floatValue";
                                            continue;
                                        }
                                    case 6: {
                                            if (wireType !== 1)
                                                break;
                                            message.doubleValue = reader.double();
                                            message.value = "doubleValue";
                                            continue;
                                        }
                                    case 7: {
                                            if (wireType !== 0)
                                                break;
                                            message.booleanValue = reader.bool();
                                            message.value = "booleanValue";
                                            continue;
                                        }
                                    case 8: {
                                            if (wireType !== 2)
                                                break;
                                            message.stringValue = reader.string();
                                            message.value = "stringValue";
                                            continue;
                                        }
                                    case 9: {
                                            if (wireType !== 2)
                                                break;
                                            message.extensionValue = $root.org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.decode(reader, reader.size(), $undefined, _depth + 1, message.extensionValue);
                                            message.value = "extensionValue";
                                            continue;
                                        }
                                    }
                                    reader.skipType(wireType, _depth, tag);
                                    if (!reader.discardUnknown) {
                                        $util.makeProp(message, "$unknowns", false);
                                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                    }
                                }
                                if (length !== $undefined) {
                                    if (reader.pos !== end)
                                        throw $RangeError("index out of range");
                                    reader.len = length;
                                }
                                if (_end !== $undefined)
                                    throw $Error("missing end group");
                                return message;
                            };

                            Parameter.ParameterValueExtension = (function() {

                                /**
                                 * Properties of a ParameterValueExtension.
                                 * @typedef {Object} org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties
                                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                                 */

                                /**
                                 * Properties of a ParameterValueExtension.
                                 * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                                 * @interface IParameterValueExtension
                                 * @augments org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties
                                 * @deprecated Use org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties instead.
                                 */

                                /**
                                 * Shape of a ParameterValueExtension.
                                 * @typedef {org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties} org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Shape
                                 */

                                /**
                                 * Constructs a new ParameterValueExtension.
                                 * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter
                                 * @classdesc Represents a ParameterValueExtension.
                                 * @constructor
                                 * @param {org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties=} [properties] Properties to set
                                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                                 */
                                const ParameterValueExtension = function (properties) {
                                    if (properties)
                                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                                this[keys[i]] = properties[keys[i]];
                                };

                                /**
                                 * Creates a new ParameterValueExtension instance using the specified properties.
                                 * @function create
                                 * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension
                                 * @static
                                 * @param {org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties=} [properties] Properties to set
                                 * @returns {org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension} ParameterValueExtension instance
                                 * @type {{
                                 *   (properties: org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Shape): org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension & org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Shape;
                                 *   (properties?: org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties): org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension;
                                 * }}
                                 */
                                ParameterValueExtension.create = function(properties) {
                                    return new ParameterValueExtension(properties);
                                };

                                /**
                                 * Encodes the specified ParameterValueExtension message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.verify|verify} messages.
                                 * @function encode
                                 * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension
                                 * @static
                                 * @param {org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Properties} message ParameterValueExtension message or plain object to encode
                                 * @param {$protobuf.Writer} [writer] Writer to encode to
                                 * @returns {$protobuf.Writer} Writer
                                 */
                                ParameterValueExtension.encode = function (message, writer, _depth) {
                                    if (!writer)
                                        writer = $Writer.create();
                                    if (_depth === $undefined)
                                        _depth = 0;
                                    if (_depth > $util.recursionLimit)
                                        throw $Error("max depth exceeded");
                                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                        for (let i = 0; i < message.$unknowns.length; ++i)
                                            writer.raw(message.$unknowns[i]);
                                    return writer;
                                };

                                /**
                                 * Decodes a ParameterValueExtension message from the specified reader or buffer.
                                 * @function decode
                                 * @memberof org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension
                                 * @static
                                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                                 * @param {number} [length] Message length if known beforehand
                                 * @returns {org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension & org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension.$Shape} ParameterValueExtension
                                 * @throws {Error} If the payload is not a reader or valid buffer
                                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                                 */
                                ParameterValueExtension.decode = function (reader, length, _end, _depth, _target) {
                                    if (!(reader instanceof $Reader))
                                        reader = $Reader.create(reader);
                                    if (_depth === $undefined)
                                        _depth = 0;
                                    if (_depth > $Reader.recursionLimit)
                                        throw $Error("max depth exceeded");
                                    let end, message;
                                    if (length === $undefined)
                                        end = reader.len;
                                    else {
                                        end = reader.pos + length;
                                        if (end > reader.len)
                                            throw $RangeError("index out of range");
                                        length = reader.len;
                                        reader.len = end;
                                    }
                                    message = _target || new $root.org.eclipse.tahu.protobuf.Payload.Template.Parameter.ParameterValueExtension();
                                    while (reader.pos < end) {
                                        let start = reader.pos;
                                        let tag = reader.tag();
                                        if (tag === _end) {
                                            _end = $undefined;
                                            break;
                                        }
                                        reader.skipType(tag & 7, _depth, tag);
                                        if (!reader.discardUnknown) {
                                            $util.makeProp(message, "$unknowns", false);
                                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                        }
                                    }
                                    if (length !== $undefined) {
                                        if (reader.pos !== end)
                                            throw $RangeError("index out of range");
                                        reader.len = length;
                                    }
                                    if (_end !== $undefined)
                                        throw $Error("missing end group");
                                    return message;
                                };

                                return ParameterValueExtension;
                            })();

                            return Parameter;
                        })();

                        return Template;
                    })();

                    Payload.DataSet = (function() {

                        /**
                         * Properties of a DataSet.
                         * @typedef {Object} org.eclipse.tahu.protobuf.Payload.DataSet.$Properties
                         * @property {number|Long|null} [numOfColumns] DataSet numOfColumns
                         * @property {Array.<string>|null} [columns] DataSet columns
                         * @property {Array.<number>|null} [types] DataSet types
                         * @property {Array.<org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Properties>|null} [rows] DataSet rows
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */

                        /**
                         * Properties of a DataSet.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @interface IDataSet
                         * @augments org.eclipse.tahu.protobuf.Payload.DataSet.$Properties
                         * @deprecated Use org.eclipse.tahu.protobuf.Payload.DataSet.$Properties instead.
                         */

                        /**
                         * Shape of a DataSet.
                         * @typedef {{
                         *   numOfColumns?: number|Long|null;
                         *   columns?: Array.<string>|null;
                         *   types?: Array.<number>|null;
                         *   rows?: Array.<org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Shape>|null;
                         *   $unknowns?: Array.<Uint8Array>;
                         * }} org.eclipse.tahu.protobuf.Payload.DataSet.$Shape
                         */

                        /**
                         * Constructs a new DataSet.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @classdesc Represents a DataSet.
                         * @constructor
                         * @param {org.eclipse.tahu.protobuf.Payload.DataSet.$Properties=} [properties] Properties to set
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */
                        const DataSet = function (properties) {
                            this.columns = [];
                            this.types = [];
                            this.rows = [];
                            if (properties)
                                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                        this[keys[i]] = properties[keys[i]];
                        };

                        /**
                         * DataSet numOfColumns.
                         * @member {number|Long} numOfColumns
                         * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                         * @instance
                         */
                        DataSet.prototype.numOfColumns = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                        /**
                         * DataSet columns.
                         * @member {Array.<string>} columns
                         * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                         * @instance
                         */
                        DataSet.prototype.columns = $util.emptyArray;

                        /**
                         * DataSet types.
                         * @member {Array.<number>} types
                         * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                         * @instance
                         */
                        DataSet.prototype.types = $util.emptyArray;

                        /**
                         * DataSet rows.
                         * @member {Array.<org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Properties>} rows
                         * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                         * @instance
                         */
                        DataSet.prototype.rows = $util.emptyArray;

                        /**
                         * Creates a new DataSet instance using the specified properties.
                         * @function create
                         * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.DataSet.$Properties=} [properties] Properties to set
                         * @returns {org.eclipse.tahu.protobuf.Payload.DataSet} DataSet instance
                         * @type {{
                         *   (properties: org.eclipse.tahu.protobuf.Payload.DataSet.$Shape): org.eclipse.tahu.protobuf.Payload.DataSet & org.eclipse.tahu.protobuf.Payload.DataSet.$Shape;
                         *   (properties?: org.eclipse.tahu.protobuf.Payload.DataSet.$Properties): org.eclipse.tahu.protobuf.Payload.DataSet;
                         * }}
                         */
                        DataSet.create = function(properties) {
                            return new DataSet(properties);
                        };

                        /**
                         * Encodes the specified DataSet message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.DataSet.verify|verify} messages.
                         * @function encode
                         * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.DataSet.$Properties} message DataSet message or plain object to encode
                         * @param {$protobuf.Writer} [writer] Writer to encode to
                         * @returns {$protobuf.Writer} Writer
                         */
                        DataSet.encode = function (message, writer, _depth) {
                            if (!writer)
                                writer = $Writer.create();
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $util.recursionLimit)
                                throw $Error("max depth exceeded");
                            if (message.numOfColumns != null && $Object.hasOwnProperty.call(message, "numOfColumns"))
                                writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.numOfColumns);
                            if (message.columns != null && message.columns.length)
                                for (let i = 0; i < message.columns.length; ++i)
                                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.columns[i]);
                            if (message.types != null && message.types.length)
                                for (let i = 0; i < message.types.length; ++i)
                                    writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.types[i]);
                            if (message.rows != null && message.rows.length)
                                for (let i = 0; i < message.rows.length; ++i)
                                    $root.org.eclipse.tahu.protobuf.Payload.DataSet.Row.encode(message.rows[i], writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                for (let i = 0; i < message.$unknowns.length; ++i)
                                    writer.raw(message.$unknowns[i]);
                            return writer;
                        };

                        /**
                         * Decodes a DataSet message from the specified reader or buffer.
                         * @function decode
                         * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                         * @static
                         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                         * @param {number} [length] Message length if known beforehand
                         * @returns {org.eclipse.tahu.protobuf.Payload.DataSet & org.eclipse.tahu.protobuf.Payload.DataSet.$Shape} DataSet
                         * @throws {Error} If the payload is not a reader or valid buffer
                         * @throws {$protobuf.util.ProtocolError} If required fields are missing
                         */
                        DataSet.decode = function (reader, length, _end, _depth, _target) {
                            if (!(reader instanceof $Reader))
                                reader = $Reader.create(reader);
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $Reader.recursionLimit)
                                throw $Error("max depth exceeded");
                            let end, message;
                            if (length === $undefined)
                                end = reader.len;
                            else {
                                end = reader.pos + length;
                                if (end > reader.len)
                                    throw $RangeError("index out of range");
                                length = reader.len;
                                reader.len = end;
                            }
                            message = _target || new $root.org.eclipse.tahu.protobuf.Payload.DataSet();
                            while (reader.pos < end) {
                                let start = reader.pos;
                                let tag = reader.tag();
                                if (tag === _end) {
                                    _end = $undefined;
                                    break;
                                }
                                let wireType = tag & 7;
                                switch (tag >>>= 3) {
                                case 1: {
                                        if (wireType !== 0)
                                            break;
                                        message.numOfColumns = reader.uint64();
                                        continue;
                                    }
                                case 2: {
                                        if (wireType !== 2)
                                            break;
                                        if (!(message.columns && message.columns.length))
                                            message.columns = [];
                                        message.columns.push(reader.string());
                                        continue;
                                    }
                                case 3: {
                                        if (wireType === 2) {
                                            if (!(message.types && message.types.length))
                                                message.types = [];
                                            reader.uint32s(message.types);
                                            continue;
                                        }
                                        if (wireType !== 0)
                                            break;
                                        if (!(message.types && message.types.length))
                                            message.types = [];
                                        message.types.push(reader.uint32());
                                        continue;
                                    }
                                case 4: {
                                        if (wireType !== 2)
                                            break;
                                        if (!(message.rows && message.rows.length))
                                            message.rows = [];
                                        message.rows.push($root.org.eclipse.tahu.protobuf.Payload.DataSet.Row.decode(reader, reader.size(), $undefined, _depth + 1));
                                        continue;
                                    }
                                }
                                reader.skipType(wireType, _depth, tag);
                                if (!reader.discardUnknown) {
                                    $util.makeProp(message, "$unknowns", false);
                                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                }
                            }
                            if (length !== $undefined) {
                                if (reader.pos !== end)
                                    throw $RangeError("index out of range");
                                reader.len = length;
                            }
                            if (_end !== $undefined)
                                throw $Error("missing end group");
                            return message;
                        };

                        DataSet.DataSetValue = (function() {

                            /**
                             * Properties of a DataSetValue.
                             * @typedef {Object} org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Properties
                             * @property {number|null} [intValue] DataSetValue intValue
                             * @property {number|Long|null} [longValue] DataSetValue longValue
                             * @property {number|null} [floatValue] DataSetValue floatValue
                             * @property {number|null} [doubleValue] DataSetValue doubleValue
                             * @property {boolean|null} [booleanValue] DataSetValue booleanValue
                             * @property {string|null} [stringValue] DataSetValue stringValue
                             * @property {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties|null} [extensionValue] DataSetValue extensionValue
                             * @property {"intValue"|"longValue"|"floatValue"|"doubleValue"|"booleanValue"|"stringValue"|"extensionValue"} [value] DataSetValue value
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */

                            /**
                             * Properties of a DataSetValue.
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                             * @interface IDataSetValue
                             * @augments org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Properties
                             * @deprecated Use org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Properties instead.
                             */

                            /**
                             * Narrowed shape of a DataSetValue.
                             * @typedef {{
                             *   intValue?: number|null;
                             *   longValue?: number|Long|null;
                             *   floatValue?: number|null;
                             *   doubleValue?: number|null;
                             *   booleanValue?: boolean|null;
                             *   stringValue?: string|null;
                             *   extensionValue?: org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Shape|null;
                             *   $unknowns?: Array.<Uint8Array>;
                             * } & (
                             *   ({ value?: undefined; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "intValue"; intValue: number; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "longValue"; intValue?: null; longValue: number|Long; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "floatValue"; intValue?: null; longValue?: null; floatValue: number; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "doubleValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue: number; booleanValue?: null; stringValue?: null; extensionValue?: null }|{ value?: "booleanValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue: boolean; stringValue?: null; extensionValue?: null }|{ value?: "stringValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue: string; extensionValue?: null }|{ value?: "extensionValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; extensionValue: org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Shape })
                             * )} org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Shape
                             */

                            /**
                             * Constructs a new DataSetValue.
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                             * @classdesc Represents a DataSetValue.
                             * @constructor
                             * @param {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Properties=} [properties] Properties to set
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */
                            const DataSetValue = function (properties) {
                                if (properties)
                                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                            this[keys[i]] = properties[keys[i]];
                            };

                            /**
                             * DataSetValue intValue.
                             * @member {number|null|undefined} intValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @instance
                             */
                            DataSetValue.prototype.intValue = null;

                            /**
                             * DataSetValue longValue.
                             * @member {number|Long|null|undefined} longValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @instance
                             */
                            DataSetValue.prototype.longValue = null;

                            /**
                             * DataSetValue floatValue.
                             * @member {number|null|undefined} floatValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @instance
                             */
                            DataSetValue.prototype.floatValue = null;

                            /**
                             * DataSetValue doubleValue.
                             * @member {number|null|undefined} doubleValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @instance
                             */
                            DataSetValue.prototype.doubleValue = null;

                            /**
                             * DataSetValue booleanValue.
                             * @member {boolean|null|undefined} booleanValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @instance
                             */
                            DataSetValue.prototype.booleanValue = null;

                            /**
                             * DataSetValue stringValue.
                             * @member {string|null|undefined} stringValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @instance
                             */
                            DataSetValue.prototype.stringValue = null;

                            /**
                             * DataSetValue extensionValue.
                             * @member {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties|null|undefined} extensionValue
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @instance
                             */
                            DataSetValue.prototype.extensionValue = null;

                            // OneOf field names bound to virtual getters and setters
                            let $oneOfFields;

                            /**
                             * DataSetValue value.
                             * @member {"intValue"|"longValue"|"floatValue"|"doubleValue"|"booleanValue"|"stringValue"|"extensionValue"|undefined} value
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @instance
                             */
                            $Object.defineProperty(DataSetValue.prototype, "value", {
                                get: $util.oneOfGetter($oneOfFields = ["intValue", "longValue", "floatValue", "doubleValue", "booleanValue", "stringValue", "extensionValue"]),
                                set: $util.oneOfSetter($oneOfFields)
                            });

                            /**
                             * Creates a new DataSetValue instance using the specified properties.
                             * @function create
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Properties=} [properties] Properties to set
                             * @returns {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue} DataSetValue instance
                             * @type {{
                             *   (properties: org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Shape): org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue & org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Shape;
                             *   (properties?: org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Properties): org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue;
                             * }}
                             */
                            DataSetValue.create = function(properties) {
                                return new DataSetValue(properties);
                            };

                            /**
                             * Encodes the specified DataSetValue message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.verify|verify} messages.
                             * @function encode
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Properties} message DataSetValue message or plain object to encode
                             * @param {$protobuf.Writer} [writer] Writer to encode to
                             * @returns {$protobuf.Writer} Writer
                             */
                            DataSetValue.encode = function (message, writer, _depth) {
                                if (!writer)
                                    writer = $Writer.create();
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $util.recursionLimit)
                                    throw $Error("max depth exceeded");
                                if (message.intValue != null && $Object.hasOwnProperty.call(message, "intValue"))
                                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.intValue);
                                if (message.longValue != null && $Object.hasOwnProperty.call(message, "longValue"))
                                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.longValue);
                                if (message.floatValue != null && $Object.hasOwnProperty.call(message, "floatValue"))
                                    writer.uint32(/* id 3, wireType 5 =*/29).float(message.floatValue);
                                if (message.doubleValue != null && $Object.hasOwnProperty.call(message, "doubleValue"))
                                    writer.uint32(/* id 4, wireType 1 =*/33).double(message.doubleValue);
                                if (message.booleanValue != null && $Object.hasOwnProperty.call(message, "booleanValue"))
                                    writer.uint32(/* id 5, wireType 0 =*/40).bool(message.booleanValue);
                                if (message.stringValue != null && $Object.hasOwnProperty.call(message, "stringValue"))
                                    writer.uint32(/* id 6, wireType 2 =*/50).string(message.stringValue);
                                if (message.extensionValue != null && $Object.hasOwnProperty.call(message, "extensionValue"))
                                    $root.org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.encode(message.extensionValue, writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
                                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                    for (let i = 0; i < message.$unknowns.length; ++i)
                                        writer.raw(message.$unknowns[i]);
                                return writer;
                            };

                            /**
                             * Decodes a DataSetValue message from the specified reader or buffer.
                             * @function decode
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                             * @static
                             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                             * @param {number} [length] Message length if known beforehand
                             * @returns {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue & org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Shape} DataSetValue
                             * @throws {Error} If the payload is not a reader or valid buffer
                             * @throws {$protobuf.util.ProtocolError} If required fields are missing
                             */
                            DataSetValue.decode = function (reader, length, _end, _depth, _target) {
                                if (!(reader instanceof $Reader))
                                    reader = $Reader.create(reader);
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $Reader.recursionLimit)
                                    throw $Error("max depth exceeded");
                                let end, message;
                                if (length === $undefined)
                                    end = reader.len;
                                else {
                                    end = reader.pos + length;
                                    if (end > reader.len)
                                        throw $RangeError("index out of range");
                                    length = reader.len;
                                    reader.len = end;
                                }
                                message = _target || new $root.org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue();
                                while (reader.pos < end) {
                                    let start = reader.pos;
                                    let tag = reader.tag();
                                    if (tag === _end) {
                                        _end = $undefined;
                                        break;
                                    }
                                    let wireType = tag & 7;
                                    switch (tag >>>= 3) {
                                    case 1: {
                                            if (wireType !== 0)
                                                break;
                                            message.intValue = reader.uint32();
                                            message.value = "intValue";
                                            continue;
                                        }
                                    case 2: {
                                            if (wireType !== 0)
                                                break;
                                            message.longValue = reader.uint64();
                                            message.value = "longValue";
                                            continue;
                                        }
                                    case 3: {
                                            if (wireType !== 5)
                                                break;
                                            message.floatValue = reader.float();
                                            message.value = "floatValue";
                                            continue;
                                        }
                                    case 4: {
                                            if (wireType !== 1)
                                                break;
                                            message.doubleValue = reader.double();
                                            message.value = "doubleValue";
                                            continue;
                                        }
                                    case 5: {
                                            if (wireType !== 0)
                                                break;
                                            message.booleanValue = reader.bool();
                                            message.value = "booleanValue";
                                            continue;
                                        }
                                    case 6: {
                                            if (wireType !== 2)
                                                break;
                                            message.stringValue = reader.string();
                                            message.value = "stringValue";
                                            continue;
                                        }
                                    case 7: {
                                            if (wireType !== 2)
                                                break;
                                            message.extensionValue = $root.org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.decode(reader, reader.size(), $undefined, _depth + 1, message.extensionValue);
                                            message.value = "extensionValue";
                                            continue;
                                        }
                                    }
                                    reader.skipType(wireType, _depth, tag);
                                    if (!reader.discardUnknown) {
                                        $util.makeProp(message, "$unknowns", false);
                                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                    }
                                }
                                if (length !== $undefined) {
                                    if (reader.pos !== end)
                                        throw $RangeError("index out of range");
                                    reader.len = length;
                                }
                                if (_end !== $undefined)
                                    throw $Error("missing end group");
                                return message;
                            };

                            DataSetValue.DataSetValueExtension = (function() {

                                /**
                                 * Properties of a DataSetValueExtension.
                                 * @typedef {Object} org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties
                                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                                 */

                                /**
                                 * Properties of a DataSetValueExtension.
                                 * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                                 * @interface IDataSetValueExtension
                                 * @augments org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties
                                 * @deprecated Use org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties instead.
                                 */

                                /**
                                 * Shape of a DataSetValueExtension.
                                 * @typedef {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties} org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Shape
                                 */

                                /**
                                 * Constructs a new DataSetValueExtension.
                                 * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue
                                 * @classdesc Represents a DataSetValueExtension.
                                 * @constructor
                                 * @param {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties=} [properties] Properties to set
                                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                                 */
                                const DataSetValueExtension = function (properties) {
                                    if (properties)
                                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                                this[keys[i]] = properties[keys[i]];
                                };

                                /**
                                 * Creates a new DataSetValueExtension instance using the specified properties.
                                 * @function create
                                 * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension
                                 * @static
                                 * @param {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties=} [properties] Properties to set
                                 * @returns {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension} DataSetValueExtension instance
                                 * @type {{
                                 *   (properties: org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Shape): org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension & org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Shape;
                                 *   (properties?: org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties): org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension;
                                 * }}
                                 */
                                DataSetValueExtension.create = function(properties) {
                                    return new DataSetValueExtension(properties);
                                };

                                /**
                                 * Encodes the specified DataSetValueExtension message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.verify|verify} messages.
                                 * @function encode
                                 * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension
                                 * @static
                                 * @param {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Properties} message DataSetValueExtension message or plain object to encode
                                 * @param {$protobuf.Writer} [writer] Writer to encode to
                                 * @returns {$protobuf.Writer} Writer
                                 */
                                DataSetValueExtension.encode = function (message, writer, _depth) {
                                    if (!writer)
                                        writer = $Writer.create();
                                    if (_depth === $undefined)
                                        _depth = 0;
                                    if (_depth > $util.recursionLimit)
                                        throw $Error("max depth exceeded");
                                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                        for (let i = 0; i < message.$unknowns.length; ++i)
                                            writer.raw(message.$unknowns[i]);
                                    return writer;
                                };

                                /**
                                 * Decodes a DataSetValueExtension message from the specified reader or buffer.
                                 * @function decode
                                 * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension
                                 * @static
                                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                                 * @param {number} [length] Message length if known beforehand
                                 * @returns {org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension & org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension.$Shape} DataSetValueExtension
                                 * @throws {Error} If the payload is not a reader or valid buffer
                                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                                 */
                                DataSetValueExtension.decode = function (reader, length, _end, _depth, _target) {
                                    if (!(reader instanceof $Reader))
                                        reader = $Reader.create(reader);
                                    if (_depth === $undefined)
                                        _depth = 0;
                                    if (_depth > $Reader.recursionLimit)
                                        throw $Error("max depth exceeded");
                                    let end, message;
                                    if (length === $undefined)
                                        end = reader.len;
                                    else {
                                        end = reader.pos + length;
                                        if (end > reader.len)
                                            throw $RangeError("index out of range");
                                        length = reader.len;
                                        reader.len = end;
                                    }
                                    message = _target || new $root.org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.DataSetValueExtension();
                                    while (reader.pos < end) {
                                        let start = reader.pos;
                                        let tag = reader.tag();
                                        if (tag === _end) {
                                            _end = $undefined;
                                            break;
                                        }
                                        reader.skipType(tag & 7, _depth, tag);
                                        if (!reader.discardUnknown) {
                                            $util.makeProp(message, "$unknowns", false);
                                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                        }
                                    }
                                    if (length !== $undefined) {
                                        if (reader.pos !== end)
                                            throw $RangeError("index out of range");
                                        reader.len = length;
                                    }
                                    if (_end !== $undefined)
                                        throw $Error("missing end group");
                                    return message;
                                };

                                return DataSetValueExtension;
                            })();

                            return DataSetValue;
                        })();

                        DataSet.Row = (function() {

                            /**
                             * Properties of a Row.
                             * @typedef {Object} org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Properties
                             * @property {Array.<org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Properties>|null} [elements] Row elements
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */

                            /**
                             * Properties of a Row.
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                             * @interface IRow
                             * @augments org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Properties
                             * @deprecated Use org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Properties instead.
                             */

                            /**
                             * Shape of a Row.
                             * @typedef {{
                             *   elements?: Array.<org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Shape>|null;
                             *   $unknowns?: Array.<Uint8Array>;
                             * }} org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Shape
                             */

                            /**
                             * Constructs a new Row.
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet
                             * @classdesc Represents a Row.
                             * @constructor
                             * @param {org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Properties=} [properties] Properties to set
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */
                            const Row = function (properties) {
                                this.elements = [];
                                if (properties)
                                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                            this[keys[i]] = properties[keys[i]];
                            };

                            /**
                             * Row elements.
                             * @member {Array.<org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.$Properties>} elements
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.Row
                             * @instance
                             */
                            Row.prototype.elements = $util.emptyArray;

                            /**
                             * Creates a new Row instance using the specified properties.
                             * @function create
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.Row
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Properties=} [properties] Properties to set
                             * @returns {org.eclipse.tahu.protobuf.Payload.DataSet.Row} Row instance
                             * @type {{
                             *   (properties: org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Shape): org.eclipse.tahu.protobuf.Payload.DataSet.Row & org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Shape;
                             *   (properties?: org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Properties): org.eclipse.tahu.protobuf.Payload.DataSet.Row;
                             * }}
                             */
                            Row.create = function(properties) {
                                return new Row(properties);
                            };

                            /**
                             * Encodes the specified Row message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.DataSet.Row.verify|verify} messages.
                             * @function encode
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.Row
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Properties} message Row message or plain object to encode
                             * @param {$protobuf.Writer} [writer] Writer to encode to
                             * @returns {$protobuf.Writer} Writer
                             */
                            Row.encode = function (message, writer, _depth) {
                                if (!writer)
                                    writer = $Writer.create();
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $util.recursionLimit)
                                    throw $Error("max depth exceeded");
                                if (message.elements != null && message.elements.length)
                                    for (let i = 0; i < message.elements.length; ++i)
                                        $root.org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.encode(message.elements[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                    for (let i = 0; i < message.$unknowns.length; ++i)
                                        writer.raw(message.$unknowns[i]);
                                return writer;
                            };

                            /**
                             * Decodes a Row message from the specified reader or buffer.
                             * @function decode
                             * @memberof org.eclipse.tahu.protobuf.Payload.DataSet.Row
                             * @static
                             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                             * @param {number} [length] Message length if known beforehand
                             * @returns {org.eclipse.tahu.protobuf.Payload.DataSet.Row & org.eclipse.tahu.protobuf.Payload.DataSet.Row.$Shape} Row
                             * @throws {Error} If the payload is not a reader or valid buffer
                             * @throws {$protobuf.util.ProtocolError} If required fields are missing
                             */
                            Row.decode = function (reader, length, _end, _depth, _target) {
                                if (!(reader instanceof $Reader))
                                    reader = $Reader.create(reader);
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $Reader.recursionLimit)
                                    throw $Error("max depth exceeded");
                                let end, message;
                                if (length === $undefined)
                                    end = reader.len;
                                else {
                                    end = reader.pos + length;
                                    if (end > reader.len)
                                        throw $RangeError("index out of range");
                                    length = reader.len;
                                    reader.len = end;
                                }
                                message = _target || new $root.org.eclipse.tahu.protobuf.Payload.DataSet.Row();
                                while (reader.pos < end) {
                                    let start = reader.pos;
                                    let tag = reader.tag();
                                    if (tag === _end) {
                                        _end = $undefined;
                                        break;
                                    }
                                    let wireType = tag & 7;
                                    switch (tag >>>= 3) {
                                    case 1: {
                                            if (wireType !== 2)
                                                break;
                                            if (!(message.elements && message.elements.length))
                                                message.elements = [];
                                            message.elements.push($root.org.eclipse.tahu.protobuf.Payload.DataSet.DataSetValue.decode(reader, reader.size(), $undefined, _depth + 1));
                                            continue;
                                        }
                                    }
                                    reader.skipType(wireType, _depth, tag);
                                    if (!reader.discardUnknown) {
                                        $util.makeProp(message, "$unknowns", false);
                                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                    }
                                }
                                if (length !== $undefined) {
                                    if (reader.pos !== end)
                                        throw $RangeError("index out of range");
                                    reader.len = length;
                                }
                                if (_end !== $undefined)
                                    throw $Error("missing end group");
                                return message;
                            };

                            return Row;
                        })();

                        return DataSet;
                    })();

                    Payload.PropertyValue = (function() {

                        /**
                         * Properties of a PropertyValue.
                         * @typedef {Object} org.eclipse.tahu.protobuf.Payload.PropertyValue.$Properties
                         * @property {number|null} [type] PropertyValue type
                         * @property {boolean|null} [isNull] PropertyValue isNull
                         * @property {number|null} [intValue] PropertyValue intValue
                         * @property {number|Long|null} [longValue] PropertyValue longValue
                         * @property {number|null} [floatValue] PropertyValue floatValue
                         * @property {number|null} [doubleValue] PropertyValue doubleValue
                         * @property {boolean|null} [booleanValue] PropertyValue booleanValue
                         * @property {string|null} [stringValue] PropertyValue stringValue
                         * @property {org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties|null} [propertysetValue] PropertyValue propertysetValue
                         * @property {org.eclipse.tahu.protobuf.Payload.PropertySetList.$Properties|null} [propertysetsValue] PropertyValue propertysetsValue
                         * @property {org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties|null} [extensionValue] PropertyValue extensionValue
                         * @property {"intValue"|"longValue"|"floatValue"|"doubleValue"|"booleanValue"|"stringValue"|"propertysetValue"|"propertysetsValue"|"extensionValue"} [value] PropertyValue value
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */

                        /**
                         * Properties of a PropertyValue.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @interface IPropertyValue
                         * @augments org.eclipse.tahu.protobuf.Payload.PropertyValue.$Properties
                         * @deprecated Use org.eclipse.tahu.protobuf.Payload.PropertyValue.$Properties instead.
                         */

                        /**
                         * Narrowed shape of a PropertyValue.
                         * @typedef {{
                         *   type?: number|null;
                         *   isNull?: boolean|null;
                         *   intValue?: number|null;
                         *   longValue?: number|Long|null;
                         *   floatValue?: number|null;
                         *   doubleValue?: number|null;
                         *   booleanValue?: boolean|null;
                         *   stringValue?: string|null;
                         *   propertysetValue?: org.eclipse.tahu.protobuf.Payload.PropertySet.$Shape|null;
                         *   propertysetsValue?: org.eclipse.tahu.protobuf.Payload.PropertySetList.$Shape|null;
                         *   extensionValue?: org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Shape|null;
                         *   $unknowns?: Array.<Uint8Array>;
                         * } & (
                         *   ({ value?: undefined; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; propertysetValue?: null; propertysetsValue?: null; extensionValue?: null }|{ value?: "intValue"; intValue: number; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; propertysetValue?: null; propertysetsValue?: null; extensionValue?: null }|{ value?: "longValue"; intValue?: null; longValue: number|Long; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; propertysetValue?: null; propertysetsValue?: null; extensionValue?: null }|{ value?: "floatValue"; intValue?: null; longValue?: null; floatValue: number; doubleValue?: null; booleanValue?: null; stringValue?: null; propertysetValue?: null; propertysetsValue?: null; extensionValue?: null }|{ value?: "doubleValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue: number; booleanValue?: null; stringValue?: null; propertysetValue?: null; propertysetsValue?: null; extensionValue?: null }|{ value?: "booleanValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue: boolean; stringValue?: null; propertysetValue?: null; propertysetsValue?: null; extensionValue?: null }|{ value?: "stringValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue: string; propertysetValue?: null; propertysetsValue?: null; extensionValue?: null }|{ value?: "propertysetValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; propertysetValue: org.eclipse.tahu.protobuf.Payload.PropertySet.$Shape; propertysetsValue?: null; extensionValue?: null }|{ value?: "propertysetsValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; propertysetValue?: null; propertysetsValue: org.eclipse.tahu.protobuf.Payload.PropertySetList.$Shape; extensionValue?: null }|{ value?: "extensionValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; propertysetValue?: null; propertysetsValue?: null; extensionValue: org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Shape })
                         * )} org.eclipse.tahu.protobuf.Payload.PropertyValue.$Shape
                         */

                        /**
                         * Constructs a new PropertyValue.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @classdesc Represents a PropertyValue.
                         * @constructor
                         * @param {org.eclipse.tahu.protobuf.Payload.PropertyValue.$Properties=} [properties] Properties to set
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */
                        const PropertyValue = function (properties) {
                            if (properties)
                                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                        this[keys[i]] = properties[keys[i]];
                        };

                        /**
                         * PropertyValue type.
                         * @member {number} type
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.type = 0;

                        /**
                         * PropertyValue isNull.
                         * @member {boolean} isNull
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.isNull = false;

                        /**
                         * PropertyValue intValue.
                         * @member {number|null|undefined} intValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.intValue = null;

                        /**
                         * PropertyValue longValue.
                         * @member {number|Long|null|undefined} longValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.longValue = null;

                        /**
                         * PropertyValue floatValue.
                         * @member {number|null|undefined} floatValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.floatValue = null;

                        /**
                         * PropertyValue doubleValue.
                         * @member {number|null|undefined} doubleValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.doubleValue = null;

                        /**
                         * PropertyValue booleanValue.
                         * @member {boolean|null|undefined} booleanValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.booleanValue = null;

                        /**
                         * PropertyValue stringValue.
                         * @member {string|null|undefined} stringValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.stringValue = null;

                        /**
                         * PropertyValue propertysetValue.
                         * @member {org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties|null|undefined} propertysetValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.propertysetValue = null;

                        /**
                         * PropertyValue propertysetsValue.
                         * @member {org.eclipse.tahu.protobuf.Payload.PropertySetList.$Properties|null|undefined} propertysetsValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.propertysetsValue = null;

                        /**
                         * PropertyValue extensionValue.
                         * @member {org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties|null|undefined} extensionValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        PropertyValue.prototype.extensionValue = null;

                        // OneOf field names bound to virtual getters and setters
                        let $oneOfFields;

                        /**
                         * PropertyValue value.
                         * @member {"intValue"|"longValue"|"floatValue"|"doubleValue"|"booleanValue"|"stringValue"|"propertysetValue"|"propertysetsValue"|"extensionValue"|undefined} value
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @instance
                         */
                        $Object.defineProperty(PropertyValue.prototype, "value", {
                            get: $util.oneOfGetter($oneOfFields = ["intValue", "longValue", "floatValue", "doubleValue", "booleanValue", "stringValue", "propertysetValue", "propertysetsValue", "extensionValue"]),
                            set: $util.oneOfSetter($oneOfFields)
                        });

                        /**
                         * Creates a new PropertyValue instance using the specified properties.
                         * @function create
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.PropertyValue.$Properties=} [properties] Properties to set
                         * @returns {org.eclipse.tahu.protobuf.Payload.PropertyValue} PropertyValue instance
                         * @type {{
                         *   (properties: org.eclipse.tahu.protobuf.Payload.PropertyValue.$Shape): org.eclipse.tahu.protobuf.Payload.PropertyValue & org.eclipse.tahu.protobuf.Payload.PropertyValue.$Shape;
                         *   (properties?: org.eclipse.tahu.protobuf.Payload.PropertyValue.$Properties): org.eclipse.tahu.protobuf.Payload.PropertyValue;
                         * }}
                         */
                        PropertyValue.create = function(properties) {
                            return new PropertyValue(properties);
                        };

                        /**
                         * Encodes the specified PropertyValue message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.PropertyValue.verify|verify} messages.
                         * @function encode
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.PropertyValue.$Properties} message PropertyValue message or plain object to encode
                         * @param {$protobuf.Writer} [writer] Writer to encode to
                         * @returns {$protobuf.Writer} Writer
                         */
                        PropertyValue.encode = function (message, writer, _depth) {
                            if (!writer)
                                writer = $Writer.create();
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $util.recursionLimit)
                                throw $Error("max depth exceeded");
                            if (message.type != null && $Object.hasOwnProperty.call(message, "type"))
                                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.type);
                            if (message.isNull != null && $Object.hasOwnProperty.call(message, "isNull"))
                                writer.uint32(/* id 2, wireType 0 =*/16).bool(message.isNull);
                            if (message.intValue != null && $Object.hasOwnProperty.call(message, "intValue"))
                                writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.intValue);
                            if (message.longValue != null && $Object.hasOwnProperty.call(message, "longValue"))
                                writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.longValue);
                            if (message.floatValue != null && $Object.hasOwnProperty.call(message, "floatValue"))
                                writer.uint32(/* id 5, wireType 5 =*/45).float(message.floatValue);
                            if (message.doubleValue != null && $Object.hasOwnProperty.call(message, "doubleValue"))
                                writer.uint32(/* id 6, wireType 1 =*/49).double(message.doubleValue);
                            if (message.booleanValue != null && $Object.hasOwnProperty.call(message, "booleanValue"))
                                writer.uint32(/* id 7, wireType 0 =*/56).bool(message.booleanValue);
                            if (message.stringValue != null && $Object.hasOwnProperty.call(message, "stringValue"))
                                writer.uint32(/* id 8, wireType 2 =*/66).string(message.stringValue);
                            if (message.propertysetValue != null && $Object.hasOwnProperty.call(message, "propertysetValue"))
                                $root.org.eclipse.tahu.protobuf.Payload.PropertySet.encode(message.propertysetValue, writer.uint32(/* id 9, wireType 2 =*/74).fork(), _depth + 1).ldelim();
                            if (message.propertysetsValue != null && $Object.hasOwnProperty.call(message, "propertysetsValue"))
                                $root.org.eclipse.tahu.protobuf.Payload.PropertySetList.encode(message.propertysetsValue, writer.uint32(/* id 10, wireType 2 =*/82).fork(), _depth + 1).ldelim();
                            if (message.extensionValue != null && $Object.hasOwnProperty.call(message, "extensionValue"))
                                $root.org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.encode(message.extensionValue, writer.uint32(/* id 11, wireType 2 =*/90).fork(), _depth + 1).ldelim();
                            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                for (let i = 0; i < message.$unknowns.length; ++i)
                                    writer.raw(message.$unknowns[i]);
                            return writer;
                        };

                        /**
                         * Decodes a PropertyValue message from the specified reader or buffer.
                         * @function decode
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                         * @static
                         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                         * @param {number} [length] Message length if known beforehand
                         * @returns {org.eclipse.tahu.protobuf.Payload.PropertyValue & org.eclipse.tahu.protobuf.Payload.PropertyValue.$Shape} PropertyValue
                         * @throws {Error} If the payload is not a reader or valid buffer
                         * @throws {$protobuf.util.ProtocolError} If required fields are missing
                         */
                        PropertyValue.decode = function (reader, length, _end, _depth, _target) {
                            if (!(reader instanceof $Reader))
                                reader = $Reader.create(reader);
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $Reader.recursionLimit)
                                throw $Error("max depth exceeded");
                            let end, message;
                            if (length === $undefined)
                                end = reader.len;
                            else {
                                end = reader.pos + length;
                                if (end > reader.len)
                                    throw $RangeError("index out of range");
                                length = reader.len;
                                reader.len = end;
                            }
                            message = _target || new $root.org.eclipse.tahu.protobuf.Payload.PropertyValue();
                            while (reader.pos < end) {
                                let start = reader.pos;
                                let tag = reader.tag();
                                if (tag === _end) {
                                    _end = $undefined;
                                    break;
                                }
                                let wireType = tag & 7;
                                switch (tag >>>= 3) {
                                case 1: {
                                        if (wireType !== 0)
                                            break;
                                        message.type = reader.uint32();
                                        continue;
                                    }
                                case 2: {
                                        if (wireType !== 0)
                                            break;
                                        message.isNull = reader.bool();
                                        continue;
                                    }
                                case 3: {
                                        if (wireType !== 0)
                                            break;
                                        message.intValue = reader.uint32();
                                        message.value = "intValue";
                                        continue;
                                    }
                                case 4: {
                                        if (wireType !== 0)
                                            break;
                                        message.longValue = reader.uint64();
                                        message.value = "longValue";
                                        continue;
                                    }
                                case 5: {
                                        if (wireType !== 5)
                                            break;
                                        message.floatValue = reader.float();
                                        message.value = "floatValue";
                                        continue;
                                    }
                                case 6: {
                                        if (wireType !== 1)
                                            break;
                                        message.doubleValue = reader.double();
                                        message.value = "doubleValue";
                                        continue;
                                    }
                                case 7: {
                                        if (wireType !== 0)
                                            break;
                                        message.booleanValue = reader.bool();
                                        message.value = "booleanValue";
                                        continue;
                                    }
                                case 8: {
                                        if (wireType !== 2)
                                            break;
                                        message.stringValue = reader.string();
                                        message.value = "stringValue";
                                        continue;
                                    }
                                case 9: {
                                        if (wireType !== 2)
                                            break;
                                        message.propertysetValue = $root.org.eclipse.tahu.protobuf.Payload.PropertySet.decode(reader, reader.size(), $undefined, _depth + 1, message.propertysetValue);
                                        message.value = "propertysetValue";
                                        continue;
                                    }
                                case 10: {
                                        if (wireType !== 2)
                                            break;
                                        message.propertysetsValue = $root.org.eclipse.tahu.protobuf.Payload.PropertySetList.decode(reader, reader.size(), $undefined, _depth + 1, message.propertysetsValue);
                                        message.value = "propertysetsValue";
                                        continue;
                                    }
                                case 11: {
                                        if (wireType !== 2)
                                            break;
                                        message.extensionValue = $root.org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.decode(reader, reader.size(), $undefined, _depth + 1, message.extensionValue);
                                        message.value = "extensionValue";
                                        continue;
                                    }
                                }
                                reader.skipType(wireType, _depth, tag);
                                if (!reader.discardUnknown) {
                                    $util.makeProp(message, "$unknowns", false);
                                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                }
                            }
                            if (length !== $undefined) {
                                if (reader.pos !== end)
                                    throw $RangeError("index out of range");
                                reader.len = length;
                            }
                            if (_end !== $undefined)
                                throw $Error("missing end group");
                            return message;
                        };

                        PropertyValue.PropertyValueExtension = (function() {

                            /**
                             * Properties of a PropertyValueExtension.
                             * @typedef {Object} org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */

                            /**
                             * Properties of a PropertyValueExtension.
                             * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                             * @interface IPropertyValueExtension
                             * @augments org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties
                             * @deprecated Use org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties instead.
                             */

                            /**
                             * Shape of a PropertyValueExtension.
                             * @typedef {org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties} org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Shape
                             */

                            /**
                             * Constructs a new PropertyValueExtension.
                             * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue
                             * @classdesc Represents a PropertyValueExtension.
                             * @constructor
                             * @param {org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties=} [properties] Properties to set
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */
                            const PropertyValueExtension = function (properties) {
                                if (properties)
                                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                            this[keys[i]] = properties[keys[i]];
                            };

                            /**
                             * Creates a new PropertyValueExtension instance using the specified properties.
                             * @function create
                             * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties=} [properties] Properties to set
                             * @returns {org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension} PropertyValueExtension instance
                             * @type {{
                             *   (properties: org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Shape): org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension & org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Shape;
                             *   (properties?: org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties): org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension;
                             * }}
                             */
                            PropertyValueExtension.create = function(properties) {
                                return new PropertyValueExtension(properties);
                            };

                            /**
                             * Encodes the specified PropertyValueExtension message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.verify|verify} messages.
                             * @function encode
                             * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Properties} message PropertyValueExtension message or plain object to encode
                             * @param {$protobuf.Writer} [writer] Writer to encode to
                             * @returns {$protobuf.Writer} Writer
                             */
                            PropertyValueExtension.encode = function (message, writer, _depth) {
                                if (!writer)
                                    writer = $Writer.create();
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $util.recursionLimit)
                                    throw $Error("max depth exceeded");
                                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                    for (let i = 0; i < message.$unknowns.length; ++i)
                                        writer.raw(message.$unknowns[i]);
                                return writer;
                            };

                            /**
                             * Decodes a PropertyValueExtension message from the specified reader or buffer.
                             * @function decode
                             * @memberof org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension
                             * @static
                             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                             * @param {number} [length] Message length if known beforehand
                             * @returns {org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension & org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension.$Shape} PropertyValueExtension
                             * @throws {Error} If the payload is not a reader or valid buffer
                             * @throws {$protobuf.util.ProtocolError} If required fields are missing
                             */
                            PropertyValueExtension.decode = function (reader, length, _end, _depth, _target) {
                                if (!(reader instanceof $Reader))
                                    reader = $Reader.create(reader);
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $Reader.recursionLimit)
                                    throw $Error("max depth exceeded");
                                let end, message;
                                if (length === $undefined)
                                    end = reader.len;
                                else {
                                    end = reader.pos + length;
                                    if (end > reader.len)
                                        throw $RangeError("index out of range");
                                    length = reader.len;
                                    reader.len = end;
                                }
                                message = _target || new $root.org.eclipse.tahu.protobuf.Payload.PropertyValue.PropertyValueExtension();
                                while (reader.pos < end) {
                                    let start = reader.pos;
                                    let tag = reader.tag();
                                    if (tag === _end) {
                                        _end = $undefined;
                                        break;
                                    }
                                    reader.skipType(tag & 7, _depth, tag);
                                    if (!reader.discardUnknown) {
                                        $util.makeProp(message, "$unknowns", false);
                                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                    }
                                }
                                if (length !== $undefined) {
                                    if (reader.pos !== end)
                                        throw $RangeError("index out of range");
                                    reader.len = length;
                                }
                                if (_end !== $undefined)
                                    throw $Error("missing end group");
                                return message;
                            };

                            return PropertyValueExtension;
                        })();

                        return PropertyValue;
                    })();

                    Payload.PropertySet = (function() {

                        /**
                         * Properties of a PropertySet.
                         * @typedef {Object} org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties
                         * @property {Array.<string>|null} [keys] PropertySet keys
                         * @property {Array.<org.eclipse.tahu.protobuf.Payload.PropertyValue.$Properties>|null} [values] PropertySet values
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */

                        /**
                         * Properties of a PropertySet.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @interface IPropertySet
                         * @augments org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties
                         * @deprecated Use org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties instead.
                         */

                        /**
                         * Shape of a PropertySet.
                         * @typedef {{
                         *   keys?: Array.<string>|null;
                         *   values?: Array.<org.eclipse.tahu.protobuf.Payload.PropertyValue.$Shape>|null;
                         *   $unknowns?: Array.<Uint8Array>;
                         * }} org.eclipse.tahu.protobuf.Payload.PropertySet.$Shape
                         */

                        /**
                         * Constructs a new PropertySet.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @classdesc Represents a PropertySet.
                         * @constructor
                         * @param {org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties=} [properties] Properties to set
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */
                        const PropertySet = function (properties) {
                            this.keys = [];
                            this.values = [];
                            if (properties)
                                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                        this[keys[i]] = properties[keys[i]];
                        };

                        /**
                         * PropertySet keys.
                         * @member {Array.<string>} keys
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertySet
                         * @instance
                         */
                        PropertySet.prototype.keys = $util.emptyArray;

                        /**
                         * PropertySet values.
                         * @member {Array.<org.eclipse.tahu.protobuf.Payload.PropertyValue.$Properties>} values
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertySet
                         * @instance
                         */
                        PropertySet.prototype.values = $util.emptyArray;

                        /**
                         * Creates a new PropertySet instance using the specified properties.
                         * @function create
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertySet
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties=} [properties] Properties to set
                         * @returns {org.eclipse.tahu.protobuf.Payload.PropertySet} PropertySet instance
                         * @type {{
                         *   (properties: org.eclipse.tahu.protobuf.Payload.PropertySet.$Shape): org.eclipse.tahu.protobuf.Payload.PropertySet & org.eclipse.tahu.protobuf.Payload.PropertySet.$Shape;
                         *   (properties?: org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties): org.eclipse.tahu.protobuf.Payload.PropertySet;
                         * }}
                         */
                        PropertySet.create = function(properties) {
                            return new PropertySet(properties);
                        };

                        /**
                         * Encodes the specified PropertySet message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.PropertySet.verify|verify} messages.
                         * @function encode
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertySet
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties} message PropertySet message or plain object to encode
                         * @param {$protobuf.Writer} [writer] Writer to encode to
                         * @returns {$protobuf.Writer} Writer
                         */
                        PropertySet.encode = function (message, writer, _depth) {
                            if (!writer)
                                writer = $Writer.create();
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $util.recursionLimit)
                                throw $Error("max depth exceeded");
                            if (message.keys != null && message.keys.length)
                                for (let i = 0; i < message.keys.length; ++i)
                                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.keys[i]);
                            if (message.values != null && message.values.length)
                                for (let i = 0; i < message.values.length; ++i)
                                    $root.org.eclipse.tahu.protobuf.Payload.PropertyValue.encode(message.values[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                for (let i = 0; i < message.$unknowns.length; ++i)
                                    writer.raw(message.$unknowns[i]);
                            return writer;
                        };

                        /**
                         * Decodes a PropertySet message from the specified reader or buffer.
                         * @function decode
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertySet
                         * @static
                         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                         * @param {number} [length] Message length if known beforehand
                         * @returns {org.eclipse.tahu.protobuf.Payload.PropertySet & org.eclipse.tahu.protobuf.Payload.PropertySet.$Shape} PropertySet
                         * @throws {Error} If the payload is not a reader or valid buffer
                         * @throws {$protobuf.util.ProtocolError} If required fields are missing
                         */
                        PropertySet.decode = function (reader, length, _end, _depth, _target) {
                            if (!(reader instanceof $Reader))
                                reader = $Reader.create(reader);
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $Reader.recursionLimit)
                                throw $Error("max depth exceeded");
                            let end, message;
                            if (length === $undefined)
                                end = reader.len;
                            else {
                                end = reader.pos + length;
                                if (end > reader.len)
                                    throw $RangeError("index out of range");
                                length = reader.len;
                                reader.len = end;
                            }
                            message = _target || new $root.org.eclipse.tahu.protobuf.Payload.PropertySet();
                            while (reader.pos < end) {
                                let start = reader.pos;
                                let tag = reader.tag();
                                if (tag === _end) {
                                    _end = $undefined;
                                    break;
                                }
                                let wireType = tag & 7;
                                switch (tag >>>= 3) {
                                case 1: {
                                        if (wireType !== 2)
                                            break;
                                        if (!(message.keys && message.keys.length))
                                            message.keys = [];
                                        message.keys.push(reader.string());
                                        continue;
                                    }
                                case 2: {
                                        if (wireType !== 2)
                                            break;
                                        if (!(message.values && message.values.length))
                                            message.values = [];
                                        message.values.push($root.org.eclipse.tahu.protobuf.Payload.PropertyValue.decode(reader, reader.size(), $undefined, _depth + 1));
                                        continue;
                                    }
                                }
                                reader.skipType(wireType, _depth, tag);
                                if (!reader.discardUnknown) {
                                    $util.makeProp(message, "$unknowns", false);
                                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                }
                            }
                            if (length !== $undefined) {
                                if (reader.pos !== end)
                                    throw $RangeError("index out of range");
                                reader.len = length;
                            }
                            if (_end !== $undefined)
                                throw $Error("missing end group");
                            return message;
                        };

                        return PropertySet;
                    })();

                    Payload.PropertySetList = (function() {

                        /**
                         * Properties of a PropertySetList.
                         * @typedef {Object} org.eclipse.tahu.protobuf.Payload.PropertySetList.$Properties
                         * @property {Array.<org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties>|null} [propertyset] PropertySetList propertyset
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */

                        /**
                         * Properties of a PropertySetList.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @interface IPropertySetList
                         * @augments org.eclipse.tahu.protobuf.Payload.PropertySetList.$Properties
                         * @deprecated Use org.eclipse.tahu.protobuf.Payload.PropertySetList.$Properties instead.
                         */

                        /**
                         * Shape of a PropertySetList.
                         * @typedef {{
                         *   propertyset?: Array.<org.eclipse.tahu.protobuf.Payload.PropertySet.$Shape>|null;
                         *   $unknowns?: Array.<Uint8Array>;
                         * }} org.eclipse.tahu.protobuf.Payload.PropertySetList.$Shape
                         */

                        /**
                         * Constructs a new PropertySetList.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @classdesc Represents a PropertySetList.
                         * @constructor
                         * @param {org.eclipse.tahu.protobuf.Payload.PropertySetList.$Properties=} [properties] Properties to set
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */
                        const PropertySetList = function (properties) {
                            this.propertyset = [];
                            if (properties)
                                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                        this[keys[i]] = properties[keys[i]];
                        };

                        /**
                         * PropertySetList propertyset.
                         * @member {Array.<org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties>} propertyset
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertySetList
                         * @instance
                         */
                        PropertySetList.prototype.propertyset = $util.emptyArray;

                        /**
                         * Creates a new PropertySetList instance using the specified properties.
                         * @function create
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertySetList
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.PropertySetList.$Properties=} [properties] Properties to set
                         * @returns {org.eclipse.tahu.protobuf.Payload.PropertySetList} PropertySetList instance
                         * @type {{
                         *   (properties: org.eclipse.tahu.protobuf.Payload.PropertySetList.$Shape): org.eclipse.tahu.protobuf.Payload.PropertySetList & org.eclipse.tahu.protobuf.Payload.PropertySetList.$Shape;
                         *   (properties?: org.eclipse.tahu.protobuf.Payload.PropertySetList.$Properties): org.eclipse.tahu.protobuf.Payload.PropertySetList;
                         * }}
                         */
                        PropertySetList.create = function(properties) {
                            return new PropertySetList(properties);
                        };

                        /**
                         * Encodes the specified PropertySetList message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.PropertySetList.verify|verify} messages.
                         * @function encode
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertySetList
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.PropertySetList.$Properties} message PropertySetList message or plain object to encode
                         * @param {$protobuf.Writer} [writer] Writer to encode to
                         * @returns {$protobuf.Writer} Writer
                         */
                        PropertySetList.encode = function (message, writer, _depth) {
                            if (!writer)
                                writer = $Writer.create();
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $util.recursionLimit)
                                throw $Error("max depth exceeded");
                            if (message.propertyset != null && message.propertyset.length)
                                for (let i = 0; i < message.propertyset.length; ++i)
                                    $root.org.eclipse.tahu.protobuf.Payload.PropertySet.encode(message.propertyset[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                for (let i = 0; i < message.$unknowns.length; ++i)
                                    writer.raw(message.$unknowns[i]);
                            return writer;
                        };

                        /**
                         * Decodes a PropertySetList message from the specified reader or buffer.
                         * @function decode
                         * @memberof org.eclipse.tahu.protobuf.Payload.PropertySetList
                         * @static
                         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                         * @param {number} [length] Message length if known beforehand
                         * @returns {org.eclipse.tahu.protobuf.Payload.PropertySetList & org.eclipse.tahu.protobuf.Payload.PropertySetList.$Shape} PropertySetList
                         * @throws {Error} If the payload is not a reader or valid buffer
                         * @throws {$protobuf.util.ProtocolError} If required fields are missing
                         */
                        PropertySetList.decode = function (reader, length, _end, _depth, _target) {
                            if (!(reader instanceof $Reader))
                                reader = $Reader.create(reader);
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $Reader.recursionLimit)
                                throw $Error("max depth exceeded");
                            let end, message;
                            if (length === $undefined)
                                end = reader.len;
                            else {
                                end = reader.pos + length;
                                if (end > reader.len)
                                    throw $RangeError("index out of range");
                                length = reader.len;
                                reader.len = end;
                            }
                            message = _target || new $root.org.eclipse.tahu.protobuf.Payload.PropertySetList();
                            while (reader.pos < end) {
                                let start = reader.pos;
                                let tag = reader.tag();
                                if (tag === _end) {
                                    _end = $undefined;
                                    break;
                                }
                                let wireType = tag & 7;
                                switch (tag >>>= 3) {
                                case 1: {
                                        if (wireType !== 2)
                                            break;
                                        if (!(message.propertyset && message.propertyset.length))
                                            message.propertyset = [];
                                        message.propertyset.push($root.org.eclipse.tahu.protobuf.Payload.PropertySet.decode(reader, reader.size(), $undefined, _depth + 1));
                                        continue;
                                    }
                                }
                                reader.skipType(wireType, _depth, tag);
                                if (!reader.discardUnknown) {
                                    $util.makeProp(message, "$unknowns", false);
                                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                }
                            }
                            if (length !== $undefined) {
                                if (reader.pos !== end)
                                    throw $RangeError("index out of range");
                                reader.len = length;
                            }
                            if (_end !== $undefined)
                                throw $Error("missing end group");
                            return message;
                        };

                        return PropertySetList;
                    })();

                    Payload.MetaData = (function() {

                        /**
                         * Properties of a MetaData.
                         * @typedef {Object} org.eclipse.tahu.protobuf.Payload.MetaData.$Properties
                         * @property {boolean|null} [isMultiPart] MetaData isMultiPart
                         * @property {string|null} [contentType] MetaData contentType
                         * @property {number|Long|null} [size] MetaData size
                         * @property {number|Long|null} [seq] MetaData seq
                         * @property {string|null} [fileName] MetaData fileName
                         * @property {string|null} [fileType] MetaData fileType
                         * @property {string|null} [md5] MetaData md5
                         * @property {string|null} [description] MetaData description
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */

                        /**
                         * Properties of a MetaData.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @interface IMetaData
                         * @augments org.eclipse.tahu.protobuf.Payload.MetaData.$Properties
                         * @deprecated Use org.eclipse.tahu.protobuf.Payload.MetaData.$Properties instead.
                         */

                        /**
                         * Shape of a MetaData.
                         * @typedef {org.eclipse.tahu.protobuf.Payload.MetaData.$Properties} org.eclipse.tahu.protobuf.Payload.MetaData.$Shape
                         */

                        /**
                         * Constructs a new MetaData.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @classdesc Represents a MetaData.
                         * @constructor
                         * @param {org.eclipse.tahu.protobuf.Payload.MetaData.$Properties=} [properties] Properties to set
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */
                        const MetaData = function (properties) {
                            if (properties)
                                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                        this[keys[i]] = properties[keys[i]];
                        };

                        /**
                         * MetaData isMultiPart.
                         * @member {boolean} isMultiPart
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @instance
                         */
                        MetaData.prototype.isMultiPart = false;

                        /**
                         * MetaData contentType.
                         * @member {string} contentType
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @instance
                         */
                        MetaData.prototype.contentType = "";

                        /**
                         * MetaData size.
                         * @member {number|Long} size
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @instance
                         */
                        MetaData.prototype.size = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                        /**
                         * MetaData seq.
                         * @member {number|Long} seq
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @instance
                         */
                        MetaData.prototype.seq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                        /**
                         * MetaData fileName.
                         * @member {string} fileName
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @instance
                         */
                        MetaData.prototype.fileName = "";

                        /**
                         * MetaData fileType.
                         * @member {string} fileType
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @instance
                         */
                        MetaData.prototype.fileType = "";

                        /**
                         * MetaData md5.
                         * @member {string} md5
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @instance
                         */
                        MetaData.prototype.md5 = "";

                        /**
                         * MetaData description.
                         * @member {string} description
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @instance
                         */
                        MetaData.prototype.description = "";

                        /**
                         * Creates a new MetaData instance using the specified properties.
                         * @function create
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.MetaData.$Properties=} [properties] Properties to set
                         * @returns {org.eclipse.tahu.protobuf.Payload.MetaData} MetaData instance
                         * @type {{
                         *   (properties: org.eclipse.tahu.protobuf.Payload.MetaData.$Shape): org.eclipse.tahu.protobuf.Payload.MetaData & org.eclipse.tahu.protobuf.Payload.MetaData.$Shape;
                         *   (properties?: org.eclipse.tahu.protobuf.Payload.MetaData.$Properties): org.eclipse.tahu.protobuf.Payload.MetaData;
                         * }}
                         */
                        MetaData.create = function(properties) {
                            return new MetaData(properties);
                        };

                        /**
                         * Encodes the specified MetaData message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.MetaData.verify|verify} messages.
                         * @function encode
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.MetaData.$Properties} message MetaData message or plain object to encode
                         * @param {$protobuf.Writer} [writer] Writer to encode to
                         * @returns {$protobuf.Writer} Writer
                         */
                        MetaData.encode = function (message, writer, _depth) {
                            if (!writer)
                                writer = $Writer.create();
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $util.recursionLimit)
                                throw $Error("max depth exceeded");
                            if (message.isMultiPart != null && $Object.hasOwnProperty.call(message, "isMultiPart"))
                                writer.uint32(/* id 1, wireType 0 =*/8).bool(message.isMultiPart);
                            if (message.contentType != null && $Object.hasOwnProperty.call(message, "contentType"))
                                writer.uint32(/* id 2, wireType 2 =*/18).string(message.contentType);
                            if (message.size != null && $Object.hasOwnProperty.call(message, "size"))
                                writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.size);
                            if (message.seq != null && $Object.hasOwnProperty.call(message, "seq"))
                                writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.seq);
                            if (message.fileName != null && $Object.hasOwnProperty.call(message, "fileName"))
                                writer.uint32(/* id 5, wireType 2 =*/42).string(message.fileName);
                            if (message.fileType != null && $Object.hasOwnProperty.call(message, "fileType"))
                                writer.uint32(/* id 6, wireType 2 =*/50).string(message.fileType);
                            if (message.md5 != null && $Object.hasOwnProperty.call(message, "md5"))
                                writer.uint32(/* id 7, wireType 2 =*/58).string(message.md5);
                            if (message.description != null && $Object.hasOwnProperty.call(message, "description"))
                                writer.uint32(/* id 8, wireType 2 =*/66).string(message.description);
                            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                for (let i = 0; i < message.$unknowns.length; ++i)
                                    writer.raw(message.$unknowns[i]);
                            return writer;
                        };

                        /**
                         * Decodes a MetaData message from the specified reader or buffer.
                         * @function decode
                         * @memberof org.eclipse.tahu.protobuf.Payload.MetaData
                         * @static
                         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                         * @param {number} [length] Message length if known beforehand
                         * @returns {org.eclipse.tahu.protobuf.Payload.MetaData & org.eclipse.tahu.protobuf.Payload.MetaData.$Shape} MetaData
                         * @throws {Error} If the payload is not a reader or valid buffer
                         * @throws {$protobuf.util.ProtocolError} If required fields are missing
                         */
                        MetaData.decode = function (reader, length, _end, _depth, _target) {
                            if (!(reader instanceof $Reader))
                                reader = $Reader.create(reader);
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $Reader.recursionLimit)
                                throw $Error("max depth exceeded");
                            let end, message;
                            if (length === $undefined)
                                end = reader.len;
                            else {
                                end = reader.pos + length;
                                if (end > reader.len)
                                    throw $RangeError("index out of range");
                                length = reader.len;
                                reader.len = end;
                            }
                            message = _target || new $root.org.eclipse.tahu.protobuf.Payload.MetaData();
                            while (reader.pos < end) {
                                let start = reader.pos;
                                let tag = reader.tag();
                                if (tag === _end) {
                                    _end = $undefined;
                                    break;
                                }
                                let wireType = tag & 7;
                                switch (tag >>>= 3) {
                                case 1: {
                                        if (wireType !== 0)
                                            break;
                                        message.isMultiPart = reader.bool();
                                        continue;
                                    }
                                case 2: {
                                        if (wireType !== 2)
                                            break;
                                        message.contentType = reader.string();
                                        continue;
                                    }
                                case 3: {
                                        if (wireType !== 0)
                                            break;
                                        message.size = reader.uint64();
                                        continue;
                                    }
                                case 4: {
                                        if (wireType !== 0)
                                            break;
                                        message.seq = reader.uint64();
                                        continue;
                                    }
                                case 5: {
                                        if (wireType !== 2)
                                            break;
                                        message.fileName = reader.string();
                                        continue;
                                    }
                                case 6: {
                                        if (wireType !== 2)
                                            break;
                                        message.fileType = reader.string();
                                        continue;
                                    }
                                case 7: {
                                        if (wireType !== 2)
                                            break;
                                        message.md5 = reader.string();
                                        continue;
                                    }
                                case 8: {
                                        if (wireType !== 2)
                                            break;
                                        message.description = reader.string();
                                        continue;
                                    }
                                }
                                reader.skipType(wireType, _depth, tag);
                                if (!reader.discardUnknown) {
                                    $util.makeProp(message, "$unknowns", false);
                                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                }
                            }
                            if (length !== $undefined) {
                                if (reader.pos !== end)
                                    throw $RangeError("index out of range");
                                reader.len = length;
                            }
                            if (_end !== $undefined)
                                throw $Error("missing end group");
                            return message;
                        };

                        return MetaData;
                    })();

                    Payload.Metric = (function() {

                        /**
                         * Properties of a Metric.
                         * @typedef {Object} org.eclipse.tahu.protobuf.Payload.Metric.$Properties
                         * @property {string|null} [name] Metric name
                         * @property {number|Long|null} [alias] Metric alias
                         * @property {number|Long|null} [timestamp] Metric timestamp
                         * @property {number|null} [datatype] Metric datatype
                         * @property {boolean|null} [isHistorical] Metric isHistorical
                         * @property {boolean|null} [isTransient] Metric isTransient
                         * @property {boolean|null} [isNull] Metric isNull
                         * @property {org.eclipse.tahu.protobuf.Payload.MetaData.$Properties|null} [metadata] Metric metadata
                         * @property {org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties|null} [properties] Metric properties
                         * @property {number|null} [intValue] Metric intValue
                         * @property {number|Long|null} [longValue] Metric longValue
                         * @property {number|null} [floatValue] Metric floatValue
                         * @property {number|null} [doubleValue] Metric doubleValue
                         * @property {boolean|null} [booleanValue] Metric booleanValue
                         * @property {string|null} [stringValue] Metric stringValue
                         * @property {Uint8Array|null} [bytesValue] Metric bytesValue
                         * @property {org.eclipse.tahu.protobuf.Payload.DataSet.$Properties|null} [datasetValue] Metric datasetValue
                         * @property {org.eclipse.tahu.protobuf.Payload.Template.$Properties|null} [templateValue] Metric templateValue
                         * @property {org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties|null} [extensionValue] Metric extensionValue
                         * @property {"intValue"|"longValue"|"floatValue"|"doubleValue"|"booleanValue"|"stringValue"|"bytesValue"|"datasetValue"|"templateValue"|"extensionValue"} [value] Metric value
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */

                        /**
                         * Properties of a Metric.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @interface IMetric
                         * @augments org.eclipse.tahu.protobuf.Payload.Metric.$Properties
                         * @deprecated Use org.eclipse.tahu.protobuf.Payload.Metric.$Properties instead.
                         */

                        /**
                         * Narrowed shape of a Metric.
                         * @typedef {{
                         *   name?: string|null;
                         *   alias?: number|Long|null;
                         *   timestamp?: number|Long|null;
                         *   datatype?: number|null;
                         *   isHistorical?: boolean|null;
                         *   isTransient?: boolean|null;
                         *   isNull?: boolean|null;
                         *   metadata?: org.eclipse.tahu.protobuf.Payload.MetaData.$Shape|null;
                         *   properties?: org.eclipse.tahu.protobuf.Payload.PropertySet.$Shape|null;
                         *   intValue?: number|null;
                         *   longValue?: number|Long|null;
                         *   floatValue?: number|null;
                         *   doubleValue?: number|null;
                         *   booleanValue?: boolean|null;
                         *   stringValue?: string|null;
                         *   bytesValue?: Uint8Array|null;
                         *   datasetValue?: org.eclipse.tahu.protobuf.Payload.DataSet.$Shape|null;
                         *   templateValue?: org.eclipse.tahu.protobuf.Payload.Template.$Shape|null;
                         *   extensionValue?: org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Shape|null;
                         *   $unknowns?: Array.<Uint8Array>;
                         * } & (
                         *   ({ value?: undefined; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; bytesValue?: null; datasetValue?: null; templateValue?: null; extensionValue?: null }|{ value?: "intValue"; intValue: number; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; bytesValue?: null; datasetValue?: null; templateValue?: null; extensionValue?: null }|{ value?: "longValue"; intValue?: null; longValue: number|Long; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; bytesValue?: null; datasetValue?: null; templateValue?: null; extensionValue?: null }|{ value?: "floatValue"; intValue?: null; longValue?: null; floatValue: number; doubleValue?: null; booleanValue?: null; stringValue?: null; bytesValue?: null; datasetValue?: null; templateValue?: null; extensionValue?: null }|{ value?: "doubleValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue: number; booleanValue?: null; stringValue?: null; bytesValue?: null; datasetValue?: null; templateValue?: null; extensionValue?: null }|{ value?: "booleanValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue: boolean; stringValue?: null; bytesValue?: null; datasetValue?: null; templateValue?: null; extensionValue?: null }|{ value?: "stringValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue: string; bytesValue?: null; datasetValue?: null; templateValue?: null; extensionValue?: null }|{ value?: "bytesValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; bytesValue: Uint8Array; datasetValue?: null; templateValue?: null; extensionValue?: null }|{ value?: "datasetValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; bytesValue?: null; datasetValue: org.eclipse.tahu.protobuf.Payload.DataSet.$Shape; templateValue?: null; extensionValue?: null }|{ value?: "templateValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; bytesValue?: null; datasetValue?: null; templateValue: org.eclipse.tahu.protobuf.Payload.Template.$Shape; extensionValue?: null }|{ value?: "extensionValue"; intValue?: null; longValue?: null; floatValue?: null; doubleValue?: null; booleanValue?: null; stringValue?: null; bytesValue?: null; datasetValue?: null; templateValue?: null; extensionValue: org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Shape })
                         * )} org.eclipse.tahu.protobuf.Payload.Metric.$Shape
                         */

                        /**
                         * Constructs a new Metric.
                         * @memberof org.eclipse.tahu.protobuf.Payload
                         * @classdesc Represents a Metric.
                         * @constructor
                         * @param {org.eclipse.tahu.protobuf.Payload.Metric.$Properties=} [properties] Properties to set
                         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                         */
                        const Metric = function (properties) {
                            if (properties)
                                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                        this[keys[i]] = properties[keys[i]];
                        };

                        /**
                         * Metric name.
                         * @member {string} name
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.name = "";

                        /**
                         * Metric alias.
                         * @member {number|Long} alias
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.alias = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                        /**
                         * Metric timestamp.
                         * @member {number|Long} timestamp
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.timestamp = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                        /**
                         * Metric datatype.
                         * @member {number} datatype
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.datatype = 0;

                        /**
                         * Metric isHistorical.
                         * @member {boolean} isHistorical
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.isHistorical = false;

                        /**
                         * Metric isTransient.
                         * @member {boolean} isTransient
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.isTransient = false;

                        /**
                         * Metric isNull.
                         * @member {boolean} isNull
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.isNull = false;

                        /**
                         * Metric metadata.
                         * @member {org.eclipse.tahu.protobuf.Payload.MetaData.$Properties|null|undefined} metadata
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.metadata = null;

                        /**
                         * Metric properties.
                         * @member {org.eclipse.tahu.protobuf.Payload.PropertySet.$Properties|null|undefined} properties
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.properties = null;

                        /**
                         * Metric intValue.
                         * @member {number|null|undefined} intValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.intValue = null;

                        /**
                         * Metric longValue.
                         * @member {number|Long|null|undefined} longValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.longValue = null;

                        /**
                         * Metric floatValue.
                         * @member {number|null|undefined} floatValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.floatValue = null;

                        /**
                         * Metric doubleValue.
                         * @member {number|null|undefined} doubleValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.doubleValue = null;

                        /**
                         * Metric booleanValue.
                         * @member {boolean|null|undefined} booleanValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.booleanValue = null;

                        /**
                         * Metric stringValue.
                         * @member {string|null|undefined} stringValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.stringValue = null;

                        /**
                         * Metric bytesValue.
                         * @member {Uint8Array|null|undefined} bytesValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.bytesValue = null;

                        /**
                         * Metric datasetValue.
                         * @member {org.eclipse.tahu.protobuf.Payload.DataSet.$Properties|null|undefined} datasetValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.datasetValue = null;

                        /**
                         * Metric templateValue.
                         * @member {org.eclipse.tahu.protobuf.Payload.Template.$Properties|null|undefined} templateValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.templateValue = null;

                        /**
                         * Metric extensionValue.
                         * @member {org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties|null|undefined} extensionValue
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        Metric.prototype.extensionValue = null;

                        // OneOf field names bound to virtual getters and setters
                        let $oneOfFields;

                        /**
                         * Metric value.
                         * @member {"intValue"|"longValue"|"floatValue"|"doubleValue"|"booleanValue"|"stringValue"|"bytesValue"|"datasetValue"|"templateValue"|"extensionValue"|undefined} value
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @instance
                         */
                        $Object.defineProperty(Metric.prototype, "value", {
                            get: $util.oneOfGetter($oneOfFields = ["intValue", "longValue", "floatValue", "doubleValue", "booleanValue", "stringValue", "bytesValue", "datasetValue", "templateValue", "extensionValue"]),
                            set: $util.oneOfSetter($oneOfFields)
                        });

                        /**
                         * Creates a new Metric instance using the specified properties.
                         * @function create
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.Metric.$Properties=} [properties] Properties to set
                         * @returns {org.eclipse.tahu.protobuf.Payload.Metric} Metric instance
                         * @type {{
                         *   (properties: org.eclipse.tahu.protobuf.Payload.Metric.$Shape): org.eclipse.tahu.protobuf.Payload.Metric & org.eclipse.tahu.protobuf.Payload.Metric.$Shape;
                         *   (properties?: org.eclipse.tahu.protobuf.Payload.Metric.$Properties): org.eclipse.tahu.protobuf.Payload.Metric;
                         * }}
                         */
                        Metric.create = function(properties) {
                            return new Metric(properties);
                        };

                        /**
                         * Encodes the specified Metric message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.Metric.verify|verify} messages.
                         * @function encode
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @static
                         * @param {org.eclipse.tahu.protobuf.Payload.Metric.$Properties} message Metric message or plain object to encode
                         * @param {$protobuf.Writer} [writer] Writer to encode to
                         * @returns {$protobuf.Writer} Writer
                         */
                        Metric.encode = function (message, writer, _depth) {
                            if (!writer)
                                writer = $Writer.create();
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $util.recursionLimit)
                                throw $Error("max depth exceeded");
                            if (message.name != null && $Object.hasOwnProperty.call(message, "name"))
                                writer.uint32(/* id 1, wireType 2 =*/10).string(message.name);
                            if (message.alias != null && $Object.hasOwnProperty.call(message, "alias"))
                                writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.alias);
                            if (message.timestamp != null && $Object.hasOwnProperty.call(message, "timestamp"))
                                writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.timestamp);
                            if (message.datatype != null && $Object.hasOwnProperty.call(message, "datatype"))
                                writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.datatype);
                            if (message.isHistorical != null && $Object.hasOwnProperty.call(message, "isHistorical"))
                                writer.uint32(/* id 5, wireType 0 =*/40).bool(message.isHistorical);
                            if (message.isTransient != null && $Object.hasOwnProperty.call(message, "isTransient"))
                                writer.uint32(/* id 6, wireType 0 =*/48).bool(message.isTransient);
                            if (message.isNull != null && $Object.hasOwnProperty.call(message, "isNull"))
                                writer.uint32(/* id 7, wireType 0 =*/56).bool(message.isNull);
                            if (message.metadata != null && $Object.hasOwnProperty.call(message, "metadata"))
                                $root.org.eclipse.tahu.protobuf.Payload.MetaData.encode(message.metadata, writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
                            if (message.properties != null && $Object.hasOwnProperty.call(message, "properties"))
                                $root.org.eclipse.tahu.protobuf.Payload.PropertySet.encode(message.properties, writer.uint32(/* id 9, wireType 2 =*/74).fork(), _depth + 1).ldelim();
                            if (message.intValue != null && $Object.hasOwnProperty.call(message, "intValue"))
                                writer.uint32(/* id 10, wireType 0 =*/80).uint32(message.intValue);
                            if (message.longValue != null && $Object.hasOwnProperty.call(message, "longValue"))
                                writer.uint32(/* id 11, wireType 0 =*/88).uint64(message.longValue);
                            if (message.floatValue != null && $Object.hasOwnProperty.call(message, "floatValue"))
                                writer.uint32(/* id 12, wireType 5 =*/101).float(message.floatValue);
                            if (message.doubleValue != null && $Object.hasOwnProperty.call(message, "doubleValue"))
                                writer.uint32(/* id 13, wireType 1 =*/105).double(message.doubleValue);
                            if (message.booleanValue != null && $Object.hasOwnProperty.call(message, "booleanValue"))
                                writer.uint32(/* id 14, wireType 0 =*/112).bool(message.booleanValue);
                            if (message.stringValue != null && $Object.hasOwnProperty.call(message, "stringValue"))
                                writer.uint32(/* id 15, wireType 2 =*/122).string(message.stringValue);
                            if (message.bytesValue != null && $Object.hasOwnProperty.call(message, "bytesValue"))
                                writer.uint32(/* id 16, wireType 2 =*/130).bytes(message.bytesValue);
                            if (message.datasetValue != null && $Object.hasOwnProperty.call(message, "datasetValue"))
                                $root.org.eclipse.tahu.protobuf.Payload.DataSet.encode(message.datasetValue, writer.uint32(/* id 17, wireType 2 =*/138).fork(), _depth + 1).ldelim();
                            if (message.templateValue != null && $Object.hasOwnProperty.call(message, "templateValue"))
                                $root.org.eclipse.tahu.protobuf.Payload.Template.encode(message.templateValue, writer.uint32(/* id 18, wireType 2 =*/146).fork(), _depth + 1).ldelim();
                            if (message.extensionValue != null && $Object.hasOwnProperty.call(message, "extensionValue"))
                                $root.org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.encode(message.extensionValue, writer.uint32(/* id 19, wireType 2 =*/154).fork(), _depth + 1).ldelim();
                            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                for (let i = 0; i < message.$unknowns.length; ++i)
                                    writer.raw(message.$unknowns[i]);
                            return writer;
                        };

                        /**
                         * Decodes a Metric message from the specified reader or buffer.
                         * @function decode
                         * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                         * @static
                         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                         * @param {number} [length] Message length if known beforehand
                         * @returns {org.eclipse.tahu.protobuf.Payload.Metric & org.eclipse.tahu.protobuf.Payload.Metric.$Shape} Metric
                         * @throws {Error} If the payload is not a reader or valid buffer
                         * @throws {$protobuf.util.ProtocolError} If required fields are missing
                         */
                        Metric.decode = function (reader, length, _end, _depth, _target) {
                            if (!(reader instanceof $Reader))
                                reader = $Reader.create(reader);
                            if (_depth === $undefined)
                                _depth = 0;
                            if (_depth > $Reader.recursionLimit)
                                throw $Error("max depth exceeded");
                            let end, message;
                            if (length === $undefined)
                                end = reader.len;
                            else {
                                end = reader.pos + length;
                                if (end > reader.len)
                                    throw $RangeError("index out of range");
                                length = reader.len;
                                reader.len = end;
                            }
                            message = _target || new $root.org.eclipse.tahu.protobuf.Payload.Metric();
                            while (reader.pos < end) {
                                let start = reader.pos;
                                let tag = reader.tag();
                                if (tag === _end) {
                                    _end = $undefined;
                                    break;
                                }
                                let wireType = tag & 7;
                                switch (tag >>>= 3) {
                                case 1: {
                                        if (wireType !== 2)
                                            break;
                                        message.name = reader.string();
                                        continue;
                                    }
                                case 2: {
                                        if (wireType !== 0)
                                            break;
                                        message.alias = reader.uint64();
                                        continue;
                                    }
                                case 3: {
                                        if (wireType !== 0)
                                            break;
                                        message.timestamp = reader.uint64();
                                        continue;
                                    }
                                case 4: {
                                        if (wireType !== 0)
                                            break;
                                        message.datatype = reader.uint32();
                                        continue;
                                    }
                                case 5: {
                                        if (wireType !== 0)
                                            break;
                                        message.isHistorical = reader.bool();
                                        continue;
                                    }
                                case 6: {
                                        if (wireType !== 0)
                                            break;
                                        message.isTransient = reader.bool();
                                        continue;
                                    }
                                case 7: {
                                        if (wireType !== 0)
                                            break;
                                        message.isNull = reader.bool();
                                        continue;
                                    }
                                case 8: {
                                        if (wireType !== 2)
                                            break;
                                        message.metadata = $root.org.eclipse.tahu.protobuf.Payload.MetaData.decode(reader, reader.size(), $undefined, _depth + 1, message.metadata);
                                        continue;
                                    }
                                case 9: {
                                        if (wireType !== 2)
                                            break;
                                        message.properties = $root.org.eclipse.tahu.protobuf.Payload.PropertySet.decode(reader, reader.size(), $undefined, _depth + 1, message.properties);
                                        continue;
                                    }
                                case 10: {
                                        if (wireType !== 0)
                                            break;
                                        message.intValue = reader.uint32();
                                        message.value = "intValue";
                                        continue;
                                    }
                                case 11: {
                                        if (wireType !== 0)
                                            break;
                                        message.longValue = reader.uint64();
                                        message.value = "longValue";
                                        continue;
                                    }
                                case 12: {
                                        if (wireType !== 5)
                                            break;
                                        message.floatValue = reader.float();
                                        message.value = "floatValue";
                                        continue;
                                    }
                                case 13: {
                                        if (wireType !== 1)
                                            break;
                                        message.doubleValue = reader.double();
                                        message.value = "doubleValue";
                                        continue;
                                    }
                                case 14: {
                                        if (wireType !== 0)
                                            break;
                                        message.booleanValue = reader.bool();
                                        message.value = "booleanValue";
                                        continue;
                                    }
                                case 15: {
                                        if (wireType !== 2)
                                            break;
                                        message.stringValue = reader.string();
                                        message.value = "stringValue";
                                        continue;
                                    }
                                case 16: {
                                        if (wireType !== 2)
                                            break;
                                        message.bytesValue = reader.bytes();
                                        message.value = "bytesValue";
                                        continue;
                                    }
                                case 17: {
                                        if (wireType !== 2)
                                            break;
                                        message.datasetValue = $root.org.eclipse.tahu.protobuf.Payload.DataSet.decode(reader, reader.size(), $undefined, _depth + 1, message.datasetValue);
                                        message.value = "datasetValue";
                                        continue;
                                    }
                                case 18: {
                                        if (wireType !== 2)
                                            break;
                                        message.templateValue = $root.org.eclipse.tahu.protobuf.Payload.Template.decode(reader, reader.size(), $undefined, _depth + 1, message.templateValue);
                                        message.value = "templateValue";
                                        continue;
                                    }
                                case 19: {
                                        if (wireType !== 2)
                                            break;
                                        message.extensionValue = $root.org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.decode(reader, reader.size(), $undefined, _depth + 1, message.extensionValue);
                                        message.value = "extensionValue";
                                        continue;
                                    }
                                }
                                reader.skipType(wireType, _depth, tag);
                                if (!reader.discardUnknown) {
                                    $util.makeProp(message, "$unknowns", false);
                                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                }
                            }
                            if (length !== $undefined) {
                                if (reader.pos !== end)
                                    throw $RangeError("index out of range");
                                reader.len = length;
                            }
                            if (_end !== $undefined)
                                throw $Error("missing end group");
                            return message;
                        };

                        Metric.MetricValueExtension = (function() {

                            /**
                             * Properties of a MetricValueExtension.
                             * @typedef {Object} org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */

                            /**
                             * Properties of a MetricValueExtension.
                             * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                             * @interface IMetricValueExtension
                             * @augments org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties
                             * @deprecated Use org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties instead.
                             */

                            /**
                             * Shape of a MetricValueExtension.
                             * @typedef {org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties} org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Shape
                             */

                            /**
                             * Constructs a new MetricValueExtension.
                             * @memberof org.eclipse.tahu.protobuf.Payload.Metric
                             * @classdesc Represents a MetricValueExtension.
                             * @constructor
                             * @param {org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties=} [properties] Properties to set
                             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                             */
                            const MetricValueExtension = function (properties) {
                                if (properties)
                                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                            this[keys[i]] = properties[keys[i]];
                            };

                            /**
                             * Creates a new MetricValueExtension instance using the specified properties.
                             * @function create
                             * @memberof org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties=} [properties] Properties to set
                             * @returns {org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension} MetricValueExtension instance
                             * @type {{
                             *   (properties: org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Shape): org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension & org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Shape;
                             *   (properties?: org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties): org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension;
                             * }}
                             */
                            MetricValueExtension.create = function(properties) {
                                return new MetricValueExtension(properties);
                            };

                            /**
                             * Encodes the specified MetricValueExtension message. Does not implicitly {@link org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.verify|verify} messages.
                             * @function encode
                             * @memberof org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension
                             * @static
                             * @param {org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Properties} message MetricValueExtension message or plain object to encode
                             * @param {$protobuf.Writer} [writer] Writer to encode to
                             * @returns {$protobuf.Writer} Writer
                             */
                            MetricValueExtension.encode = function (message, writer, _depth) {
                                if (!writer)
                                    writer = $Writer.create();
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $util.recursionLimit)
                                    throw $Error("max depth exceeded");
                                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                                    for (let i = 0; i < message.$unknowns.length; ++i)
                                        writer.raw(message.$unknowns[i]);
                                return writer;
                            };

                            /**
                             * Decodes a MetricValueExtension message from the specified reader or buffer.
                             * @function decode
                             * @memberof org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension
                             * @static
                             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                             * @param {number} [length] Message length if known beforehand
                             * @returns {org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension & org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension.$Shape} MetricValueExtension
                             * @throws {Error} If the payload is not a reader or valid buffer
                             * @throws {$protobuf.util.ProtocolError} If required fields are missing
                             */
                            MetricValueExtension.decode = function (reader, length, _end, _depth, _target) {
                                if (!(reader instanceof $Reader))
                                    reader = $Reader.create(reader);
                                if (_depth === $undefined)
                                    _depth = 0;
                                if (_depth > $Reader.recursionLimit)
                                    throw $Error("max depth exceeded");
                                let end, message;
                                if (length === $undefined)
                                    end = reader.len;
                                else {
                                    end = reader.pos + length;
                                    if (end > reader.len)
                                        throw $RangeError("index out of range");
                                    length = reader.len;
                                    reader.len = end;
                                }
                                message = _target || new $root.org.eclipse.tahu.protobuf.Payload.Metric.MetricValueExtension();
                                while (reader.pos < end) {
                                    let start = reader.pos;
                                    let tag = reader.tag();
                                    if (tag === _end) {
                                        _end = $undefined;
                                        break;
                                    }
                                    reader.skipType(tag & 7, _depth, tag);
                                    if (!reader.discardUnknown) {
                                        $util.makeProp(message, "$unknowns", false);
                                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                                    }
                                }
                                if (length !== $undefined) {
                                    if (reader.pos !== end)
                                        throw $RangeError("index out of range");
                                    reader.len = length;
                                }
                                if (_end !== $undefined)
                                    throw $Error("missing end group");
                                return message;
                            };

                            return MetricValueExtension;
                        })();

                        return Metric;
                    })();

                    return Payload;
                })();

                return protobuf;
            })();

            return tahu;
        })();

        return eclipse;
    })();

    return org;
})();

export {
  $root as default
};
